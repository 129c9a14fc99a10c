import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { initialPayload } from '../compiler/worker-contract.ts';
import { countPausedFire } from '../dynamo/dag-pause.ts';
import { type DagRecord, readDagRecord } from '../dynamo/dag-record.ts';
import { withLease } from '../dynamo/item-lease.ts';
import { resolveParams } from '../runtime/params.ts';
import { intervalRunContext } from '../runtime/run-context.ts';
import { unknownConfKeys } from '../runtime/unknown-conf-keys.ts';
import {
  backfillIntervals,
  deadlineAt,
  manualRunInterval,
  type RunInterval,
  ScheduleError,
  scheduledInterval,
} from '../schedule/index.ts';
import type { RunType } from '../schedule/types.ts';
import { admissionLease } from './admission-lease.ts';
import { type AssetEventResult, assetEventArrived } from './asset-consumers.ts';
import { type ClearRefusal, clearRun } from './clear-run.ts';
import {
  armDeadline,
  DEADLINE_EVENT_SOURCE,
  type DeadlineScheduling,
  DeadlineSchedulingMissingError,
} from './deadline-schedule.ts';
import { executionName } from './execution-name.ts';
import { pausedDecision } from './paused-dag-fire.ts';
import { startQueuedRuns } from './record-execution.ts';
import { admitRun, type KnownRun } from './run-admission.ts';
import { RunStore } from './run-store.ts';
import { type NewRunEvent, readTriggerEvent } from './trigger-event.ts';

export type { TriggerEvent } from './trigger-event.ts';

/**
 * Why a trigger started no run. Codes are stable (a failed-events message carries them); messages may be reworded.
 * `UNREADABLE_EVENT`: a field of the event is missing or malformed (an unfilled scheduler placeholder included);
 * `UNKNOWN_DAG`: no DAG of that id is deployed; `DAG_DISABLED`: its file was deleted; `INVALID_CONF`: the conf
 * (for a schedule: no conf, only the defaults) fails the DAG's params schema; `DAG_PAUSED`: a manual trigger of a
 * paused DAG without `force` (a schedule's fire of a paused DAG is answered `paused`, see paused-dag-fire.ts;
 * a backfill runs whether or not the DAG is paused, as Airflow's); `NO_SUCH_INTERVAL`: a backfill's logical date
 * is not the start of an interval of the DAG's schedule (or the DAG has no schedule). A clear's refusals: see
 * clear-run.ts.
 */
export type TriggerRefusal =
  | 'UNREADABLE_EVENT'
  | 'UNKNOWN_DAG'
  | 'DAG_DISABLED'
  | 'DAG_PAUSED'
  | 'INVALID_CONF'
  | 'NO_SUCH_INTERVAL'
  | ClearRefusal;

export type TriggerResult =
  | {
      readonly outcome: 'started';
      readonly runId: string;
      readonly executionArn: string;
      /** Conf keys the DAG declares no param for: accepted (Airflow does), said so the caller can warn. */
      readonly confNotParams?: readonly string[];
    }
  | {
      readonly outcome: 'duplicate';
      readonly runId: string;
      readonly executionName: string;
      /** The run's state when the duplicate came (`queued`, `running`, `success`, …). */
      readonly state: string;
      readonly executionArn?: string;
    }
  | {
      readonly outcome: 'queued';
      readonly runId: string;
      readonly activeRuns: number;
      readonly confNotParams?: readonly string[];
    }
  | { readonly outcome: 'refused'; readonly code: TriggerRefusal; readonly problems: string[] }
  | { readonly outcome: 'skipped'; readonly reason: string }
  /** An asset event: recorded, and what it did for each DAG scheduled on its asset (asset-consumers.ts). */
  | AssetEventResult
  /** An unpause: the runs queued while the DAG was paused that started now. */
  | { readonly outcome: 'resumed'; readonly dagId: string; readonly started: readonly string[] }
  /** A schedule's fire of a paused DAG: no run, the fire counted on the DAG record. */
  | { readonly outcome: 'paused'; readonly dagId: string; readonly scheduledTime: string; readonly pausedAt: string };

export interface TriggerTables {
  readonly dags: string;
  readonly runs: string;
  readonly queuedRuns: string;
}

/**
 * The pure part of a trigger: which run (interval, run id, params) this event asks for, or why none. Conf that
 * fails the params schema is refused with messages naming the field.
 */
function planRun(
  dag: DagRecord,
  event: NewRunEvent,
  now: Date,
):
  | { ok: true; interval: RunInterval; params: Record<string, unknown>; conf: Record<string, unknown> }
  | { ok: false; result: TriggerResult } {
  if (dag.disabled)
    return {
      ok: false,
      result: {
        outcome: 'refused',
        code: 'DAG_DISABLED',
        problems: [`DAG ${dag.dagId} is disabled (its file was deleted)`],
      },
    };
  const conf = event.kind !== 'scheduled' ? (event.conf ?? {}) : {};
  const params = resolveParams(dag.params, conf);
  if (!params.ok) {
    return {
      ok: false,
      result: {
        outcome: 'refused',
        code: 'INVALID_CONF',
        problems: params.problems.map((p) => `dag ${dag.dagId} › ${p.field}: ${p.message}`),
      },
    };
  }
  let interval: RunInterval | undefined;
  if (event.kind === 'scheduled') {
    interval = scheduledInterval(dag.schedule, new Date(event.scheduledTime));
    if (interval === undefined) {
      return {
        ok: false,
        result: { outcome: 'skipped', reason: `no run of ${dag.dagId} fires at ${event.scheduledTime}` },
      };
    }
  } else if (event.kind === 'backfill') {
    interval = backfillInterval(dag, event.logicalDate);
    if (interval === undefined) {
      return {
        ok: false,
        result: {
          outcome: 'refused',
          code: 'NO_SUCH_INTERVAL',
          problems: [
            `dag ${dag.dagId} › schedule: no interval of ${JSON.stringify(dag.schedule.expression)} ` +
              `(${dag.schedule.timezone}) starts at ${event.logicalDate}`,
          ],
        },
      };
    }
  } else {
    // readTriggerEvent made sure a logical date given is one.
    const at = event.logicalDate !== undefined ? new Date(event.logicalDate) : now;
    interval = manualRunInterval(at, dag.schedule.timezone);
  }
  return { ok: true, interval, params: params.params, conf };
}

/**
 * The interval of the DAG's schedule whose logical date is `logicalDate` (the same enumeration as the local
 * backfill, so run ids agree), or undefined when none starts then or the DAG has no schedule to backfill.
 */
function backfillInterval(dag: DagRecord, logicalDate: string): RunInterval | undefined {
  let found: RunInterval[];
  try {
    found = backfillIntervals(dag.schedule, logicalDate, logicalDate, { limit: 1 });
  } catch (error) {
    if (error instanceof ScheduleError) return undefined;
    throw error;
  }
  const [interval] = found;
  return interval !== undefined && Date.parse(interval.logicalDate) === Date.parse(logicalDate) ? interval : undefined;
}

/**
 * Starts a run for an event as it arrived (checked first: an unreadable one is refused): StartExecution on the DAG's alias with the run id as execution name, or queues the run when
 * `maxActiveRuns` runs are active, and records it. A run that exists (a second fire of one schedule time, a
 * retried invocation) is reported as a duplicate and never started twice: the execution name refuses a second
 * execution, and the run record's `triggeredAt`, set under a condition, tells the one trigger that started it.
 * Runs of one DAG are admitted one at a time (see admission-lease.ts).
 */
export async function triggerRun(
  /** The event as it arrived: a `TriggerEvent` when well formed. */
  raw: unknown,
  tables: TriggerTables,
  now: Date,
  clients: {
    readonly dynamo: DynamoDBClient;
    readonly sfn: SFNClient;
    /** Where runs' deadlines are scheduled; needed for DAGs that declare one. */
    readonly deadlines?: DeadlineScheduling;
    /** Days recorded asset events are kept (asset-consumers.ts). */
    readonly assetEventRetentionDays?: number;
  },
): Promise<TriggerResult> {
  const { dynamo } = clients;
  const read = readTriggerEvent(raw);
  if (!read.ok) return { outcome: 'refused', code: 'UNREADABLE_EVENT', problems: read.problems };
  const { event } = read;
  if (event.kind === 'asset') return assetEventArrived(event, tables, now, clients);
  const dag = await readDagRecord(dynamo, tables.dags, event.dagId);
  if (dag === undefined)
    return { outcome: 'refused', code: 'UNKNOWN_DAG', problems: [`no DAG '${event.dagId}' is deployed`] };
  if (event.kind === 'clear') return clearRun(event, dag, tables, now, clients);
  if (event.kind === 'unpaused') {
    const runs = new RunStore(dynamo, tables);
    const started = await startQueuedRuns(dag.dagId, {
      runs,
      sfn: clients.sfn,
      deps: { dynamo, tables, now: () => now },
    });
    return { outcome: 'resumed', dagId: dag.dagId, started };
  }
  const paused = dag.disabled ? { action: 'run' as const } : pausedDecision(dag, event);
  if (paused.action === 'refuse') return { outcome: 'refused', code: 'DAG_PAUSED', problems: [paused.problem] };
  if (paused.action === 'skip') {
    await countPausedFire(dynamo, tables.dags, dag.dagId, paused.scheduledTime);
    return { outcome: 'paused', dagId: dag.dagId, scheduledTime: paused.scheduledTime, pausedAt: paused.pausedAt };
  }
  const plan = planRun(dag, event, now);
  if (!plan.ok) return plan.result;
  const intervalCtx = intervalRunContext({
    dagId: dag.dagId,
    timezone: dag.schedule.timezone,
    interval: plan.interval,
    runType: event.kind,
    schedule: dag.schedule,
    params: plan.params,
    conf: plan.conf,
  });
  // A run id the caller chose (a triggerDag step's, fixed per parent run and task) names the run instead.
  const ctx =
    event.kind === 'manual' && event.runId !== undefined ? { ...intervalCtx, runId: event.runId } : intervalCtx;
  const run = {
    dagId: dag.dagId,
    runId: ctx.runId,
    runType: event.kind,
    logicalDate: ctx.logicalDate,
    dagVersion: dag.dagVersion,
  };
  // Admission lasts a few calls; 30 s is the trigger Lambda's timeout (a holder that died frees it then).
  const lease = admissionLease(dynamo, tables.dags, dag.dagId, { holder: randomUUID(), seconds: 30, waitMs: 10_000 });
  const notParams = unknownConfKeys(plan.conf, dag.params);
  const result = await withLease(lease, () =>
    startOrQueue({
      dag,
      run,
      input: JSON.stringify(initialPayload(ctx)),
      runs: new RunStore(dynamo, tables),
      sfn: clients.sfn,
      now,
      arm: () => armRunDeadline(dag, ctx, now, clients.deadlines),
      held: paused.action === 'queue',
    }),
  );
  return notParams.length > 0 && (result.outcome === 'started' || result.outcome === 'queued')
    ? { ...result, confNotParams: notParams }
    : result;
}

/**
 * Arms the deadline of a run the trigger accepts (started or queued: a queued run's deadline counts too, as
 * Airflow's deadline is created with the run). Armed before the run starts, so a run never goes without it; a
 * run that then fails to start has nothing to miss (the miss needs its run record).
 */
export async function armRunDeadline(
  dag: DagRecord,
  ctx: { readonly runId: string; readonly logicalDate: string; readonly dataIntervalEnd: string },
  now: Date,
  deadlines: DeadlineScheduling | undefined,
): Promise<void> {
  if (dag.deadline === undefined) return;
  if (deadlines === undefined) throw new DeadlineSchedulingMissingError(dag.dagId, 'trigger');
  const deadline = deadlineAt(dag.deadline, { ...ctx, queuedAt: now });
  await armDeadline(
    {
      source: DEADLINE_EVENT_SOURCE,
      dagId: dag.dagId,
      runId: ctx.runId,
      deadline: deadline.toISOString(),
      alert: dag.deadline.alert,
    },
    now,
    deadlines,
  );
}

/** Under the DAG's admission lease: the run is a duplicate, waits in the queue, or starts and is recorded. */
export async function startOrQueue(a: {
  dag: DagRecord;
  run: { dagId: string; runId: string; runType: RunType; logicalDate: string; dagVersion: string };
  input: string;
  runs: RunStore;
  sfn: SFNClient;
  now: Date;
  arm: () => Promise<void>;
  /** Queued whatever the places (a triggerDag step's run of a paused DAG). */
  held?: boolean;
}): Promise<TriggerResult> {
  const { dag, run, input, runs, now } = a;
  const name = executionName(run.runId);
  const duplicate = (known: KnownRun | undefined): TriggerResult => ({
    outcome: 'duplicate',
    runId: run.runId,
    executionName: name,
    state: known?.state ?? 'running',
    ...(known?.executionArn !== undefined ? { executionArn: known.executionArn } : {}),
  });
  const known = await runs.read(dag.dagId, run.runId);
  const activeRuns = known === undefined ? await runs.countRunning(dag.dagId, run.runId) : 0;
  const admission = admitRun(known, activeRuns, a.held === true ? 0 : dag.maxActiveRuns);
  if (admission.action === 'duplicate') return duplicate(known);
  await a.arm();
  if (admission.action === 'queue') {
    if (!(await runs.queue(run, input, now))) return duplicate(await runs.read(dag.dagId, run.runId));
    return { outcome: 'queued', runId: run.runId, activeRuns: admission.activeRuns };
  }
  let executionArn: string;
  try {
    const started = await a.sfn.send(new StartExecutionCommand({ stateMachineArn: dag.aliasArn, name, input }));
    executionArn = started.executionArn!;
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists') {
      return duplicate(await runs.read(dag.dagId, run.runId));
    }
    throw error;
  }
  // StartExecution answers a second call with the same name and input with the same execution; the run
  // record tells which caller started it.
  if (!(await runs.recordStarted(run, executionArn, now))) return duplicate(await runs.read(dag.dagId, run.runId));
  return { outcome: 'started', runId: run.runId, executionArn };
}
