import type { ExternalTaskSensorSpec, TriggerDagSpec } from '../sdk/cross-dag.ts';
import type { Problem } from '../sdk/errors.ts';
import type { SensorOptions } from '../sdk/task-spec.ts';
import type { DagIR, SensorIR } from './ir.ts';
import { DAG_ID } from './option-schemas.ts';
import { ENDED_TASK_STATES, type RunState } from './run-states.ts';

/**
 * The IR of the cross-DAG tasks (`triggerDag`, `externalTaskSensor`) and its checks. Both end in the same loop:
 * read another run's state from the stack's run records until it reaches `allowedStates`, `failedStates` or
 * `skippedStates` (see cross-dag-states.ts).
 */

/** How a cross-DAG task polls another run's (or task's) state, and which states end the wait. */
export interface RunWaitIR extends SensorIR {
  readonly allowedStates: readonly string[];
  readonly failedStates: readonly string[];
  readonly skippedStates: readonly string[];
}

/** Airflow's `TriggerDagRunOperator`: a Lambda invoke of the stack's trigger function, then optionally the wait. */
export interface TriggerDagKindIR {
  readonly kind: 'trigger_dag';
  readonly trigger: {
    readonly dagId: string;
    readonly conf?: Readonly<Record<string, unknown>>;
    readonly logicalDate?: string;
    readonly runId?: string;
    /** Set when the task waits for the run (`waitForCompletion`). */
    readonly wait?: RunWaitIR;
  };
}

/** Airflow's `ExternalTaskSensor`: DynamoDB reads of another DAG's run (and task) records, polled. */
export interface ExternalTaskSensorKindIR {
  readonly kind: 'external_task_sensor';
  readonly external: {
    readonly dagId: string;
    readonly taskId?: string;
    /** The templated logical date of the run to find. */
    readonly logicalDate: string;
  };
  readonly sensor: RunWaitIR;
}

/** Run states as the runs table keeps them (the trigger and the recorder write them). */
export const RUN_STATE_NAMES: readonly RunState[] = ['queued', 'running', 'success', 'failed', 'interrupted'];

type At = (problem: { field?: string; message: string }) => void;
type SensorOf = (options: SensorOptions, at: At) => SensorIR;

const SENSOR_FIELDS = ['pokeInterval', 'timeout', 'softFail', 'exponentialBackoff', 'maxWait'] as const;

export function triggerDagIr(
  spec: TriggerDagSpec,
  at: At,
  checkTemplates: (value: unknown, field: string) => void,
  json: (value: unknown, field: string) => boolean,
  sensorOf: SensorOf,
): TriggerDagKindIR {
  checkDagId(spec.dagId, 'dagId', at);
  if (spec.conf !== undefined) {
    if (typeof spec.conf !== 'object' || spec.conf === null || Array.isArray(spec.conf))
      at({ field: 'conf', message: 'must be an object (the run conf, checked against the DAG’s params)' });
    else if (json(spec.conf, 'conf')) checkTemplates(spec.conf, 'conf');
  }
  for (const field of ['logicalDate', 'runId'] as const) {
    const value = spec[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.trim() === '') at({ field, message: 'must be a non-empty string' });
    else checkTemplates(value, field);
  }
  if (typeof spec.runId === 'string' && spec.runId.length > 250)
    at({ field: 'runId', message: `must be at most 250 characters, got ${spec.runId.length}` });
  if (!spec.waitForCompletion) {
    const idle = [
      ...SENSOR_FIELDS.filter((field) => spec.sensor[field] !== undefined),
      ...(['allowedStates', 'failedStates'] as const).filter((field) => spec[field] !== undefined),
    ];
    for (const field of idle)
      at({ field, message: 'shapes the wait for the triggered run; set `waitForCompletion: true` or leave it out' });
  }
  const trigger = {
    dagId: spec.dagId,
    ...(spec.conf !== undefined ? { conf: spec.conf } : {}),
    ...(spec.logicalDate !== undefined ? { logicalDate: spec.logicalDate } : {}),
    ...(spec.runId !== undefined ? { runId: spec.runId } : {}),
  };
  if (!spec.waitForCompletion) return { kind: 'trigger_dag', trigger };
  const states = stateLists(spec, RUN_STATE_NAMES, { allowed: ['success'], failed: ['failed'], skipped: [] }, at);
  return { kind: 'trigger_dag', trigger: { ...trigger, wait: { ...sensorOf(spec.sensor, at), ...states } } };
}

export function externalTaskSensorIr(
  spec: ExternalTaskSensorSpec,
  at: At,
  checkTemplates: (value: unknown, field: string) => void,
  sensorOf: SensorOf,
): ExternalTaskSensorKindIR {
  checkDagId(spec.externalDagId, 'externalDagId', at);
  if (spec.externalTaskId !== undefined && (typeof spec.externalTaskId !== 'string' || spec.externalTaskId === ''))
    at({ field: 'externalTaskId', message: 'must be a task id of the external DAG' });
  if (spec.logicalDate !== undefined) {
    if (typeof spec.logicalDate !== 'string' || spec.logicalDate.trim() === '')
      at({ field: 'logicalDate', message: 'must be a non-empty string' });
    else checkTemplates(spec.logicalDate, 'logicalDate');
  }
  // Airflow's ExternalTaskSensor fails on no state by default: a failed run may be cleared and succeed later.
  const vocabulary = spec.externalTaskId !== undefined ? ENDED_TASK_STATES : RUN_STATE_NAMES;
  const states = stateLists(spec, vocabulary, { allowed: ['success'], failed: [], skipped: [] }, at);
  return {
    kind: 'external_task_sensor',
    external: {
      dagId: spec.externalDagId,
      ...(spec.externalTaskId !== undefined ? { taskId: spec.externalTaskId } : {}),
      logicalDate: spec.logicalDate ?? '{{ logical_date }}',
    },
    sensor: { ...sensorOf(spec.sensor, at), ...states },
  };
}

/** Problems only the whole DAG shows: a task that triggers or senses its own DAG. */
export function crossDagProblems(ir: Pick<DagIR, 'dagId' | 'tasks'>): Problem[] {
  return ir.tasks.flatMap((task): Problem[] => {
    if (task.kind === 'trigger_dag' && task.trigger.dagId === ir.dagId)
      return [
        {
          taskId: task.id,
          field: 'dagId',
          message: `a DAG cannot trigger itself ('${ir.dagId}'): every run would start another, without end`,
        },
      ];
    if (task.kind === 'external_task_sensor' && task.external.dagId === ir.dagId)
      return [
        {
          taskId: task.id,
          field: 'externalDagId',
          message: `senses its own DAG ('${ir.dagId}'): within one run, make the task an upstream dependency instead`,
        },
      ];
    return [];
  });
}

function checkDagId(value: unknown, field: string, at: At): void {
  if (typeof value !== 'string' || !DAG_ID.test(value))
    at({ field, message: `must be a DAG id (1-64 letters, digits, _ or -), got ${JSON.stringify(value)}` });
}

/**
 * allowedStates / failedStates / skippedStates: known states, at least one allowed, and no state in two lists
 * (Airflow refuses the same).
 */
function stateLists(
  spec: {
    readonly allowedStates?: readonly string[];
    readonly failedStates?: readonly string[];
    readonly skippedStates?: readonly string[];
  },
  vocabulary: readonly string[],
  defaults: { allowed: readonly string[]; failed: readonly string[]; skipped: readonly string[] },
  at: At,
): Pick<RunWaitIR, 'allowedStates' | 'failedStates' | 'skippedStates'> {
  const read = (field: 'allowedStates' | 'failedStates' | 'skippedStates', fallback: readonly string[]) => {
    const value = spec[field];
    if (value === undefined) return [...fallback];
    if (!Array.isArray(value) || value.some((state) => !vocabulary.includes(state))) {
      at({ field, message: `must be a list of ${vocabulary.map((state) => `'${state}'`).join(', ')}` });
      return [];
    }
    return [...new Set(value as string[])].sort();
  };
  const allowedStates = read('allowedStates', defaults.allowed);
  const failedStates = read('failedStates', defaults.failed);
  const skippedStates = read('skippedStates', defaults.skipped);
  if (Array.isArray(spec.allowedStates) && spec.allowedStates.length === 0)
    at({ field: 'allowedStates', message: 'must name at least one state' });
  const seen = new Map<string, string>();
  for (const [field, list] of [
    ['allowedStates', allowedStates],
    ['failedStates', failedStates],
    ['skippedStates', skippedStates],
  ] as const) {
    for (const state of list) {
      const first = seen.get(state);
      if (first !== undefined) at({ field, message: `'${state}' is also in ${first}` });
      else seen.set(state, field);
    }
  }
  return { allowedStates, failedStates, skippedStates };
}
