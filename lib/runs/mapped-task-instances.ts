import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { asTaskState, type TaskState } from '../compiler/run-states.ts';
import { skipReasonOf } from '../compiler/worker-contract.ts';
import { errorSummary } from '../runtime/readable-error.ts';

/**
 * The task instances of mapped tasks (`expand`), read from an execution's history. The compiled Map state keeps
 * only the items' outputs in the payload (`{ count, anyFailed, output }`, see emitMapped in
 * lib/compiler/task-states.ts), so which item failed, and on which try, is only in the history: every event of
 * an iteration chains back (`previousEventId`) to its `MapIterationStarted`, which names the Map state and the
 * item's index; each try of the item sends one worker message (`TaskScheduled`, naming the task id); the item's
 * last state exits with its record (`{ state: 'success', try, output }` or `{ state: 'failed', error }`).
 */
export interface MappedTaskInstance {
  readonly taskId: string;
  readonly mapIndex: number;
  /** success, failed, or skipped (the item threw SkipError). */
  readonly state: TaskState;
  /** The try the item ended on. */
  readonly try?: number;
  /** The error name of a failed item. */
  readonly error?: string;
  /** The error's one-line summary, from its name and cause. */
  readonly errorMessage?: string;
  /** Why the item skipped itself. */
  readonly reason?: string;
}

interface Iteration {
  readonly mapState: string;
  readonly index: number;
  /** Event id of the iteration's start: a later run of the same Map state replaces an earlier one. */
  readonly startedAt: number;
  taskId?: string;
  scheduled: number;
  record?: { readonly id: number; readonly value: Record<string, unknown> };
}

/** Events after which an event no longer belongs to the iteration it chains back to. */
const LEAVES_ITERATION = new Set([
  'MapIterationSucceeded',
  'MapIterationFailed',
  'MapIterationAborted',
  'MapStateSucceeded',
  'MapStateFailed',
  'MapStateAborted',
  'MapStateExited',
]);

/**
 * One instance per item that ended (an item still running when the execution stopped has no record), by task
 * id then map index. Events may come in any order and from several pages.
 */
export function mappedTaskInstances(events: readonly HistoryEvent[]): MappedTaskInstance[] {
  const ordered = [...events].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  const types = new Map<number, string>();
  const iterationOf = new Map<number, Iteration>();
  const iterations: Iteration[] = [];
  for (const event of ordered) {
    const id = event.id ?? 0;
    types.set(id, event.type ?? '');
    const started = event.mapIterationStartedEventDetails;
    let iteration: Iteration | undefined;
    if (event.type === 'MapIterationStarted' && started?.name !== undefined && started.index !== undefined) {
      iteration = { mapState: started.name, index: started.index, startedAt: id, scheduled: 0 };
      iterations.push(iteration);
    } else {
      // An event's predecessor comes before it, so its iteration is already known.
      const previous = event.previousEventId ?? 0;
      if (!LEAVES_ITERATION.has(types.get(previous) ?? '')) iteration = iterationOf.get(previous);
    }
    if (iteration === undefined) continue;
    iterationOf.set(id, iteration);
    if (event.type === 'TaskScheduled') {
      iteration.scheduled++;
      iteration.taskId ??= taskIdOfWorkerCall(event.taskScheduledEventDetails?.parameters);
    }
    const record = recordOf(event.stateExitedEventDetails?.output);
    if (record !== undefined) iteration.record = { id, value: record };
  }

  // An item that failed before it sent a message still belongs to the task its Map state runs.
  const taskOfMapState = new Map<string, string>();
  for (const iteration of iterations) {
    if (iteration.taskId !== undefined) taskOfMapState.set(iteration.mapState, iteration.taskId);
  }
  const latest = new Map<string, Iteration>();
  for (const iteration of iterations) {
    const key = `${iteration.mapState}\u0000${iteration.index}`;
    if ((latest.get(key)?.startedAt ?? -1) < iteration.startedAt) latest.set(key, iteration);
  }
  const instances: MappedTaskInstance[] = [];
  for (const iteration of latest.values()) {
    const taskId = iteration.taskId ?? taskOfMapState.get(iteration.mapState);
    const record = iteration.record?.value;
    if (taskId === undefined || record === undefined) continue;
    const error = (record.error as { Error?: unknown } | null | undefined)?.Error;
    const cause = (record.error as { Cause?: unknown } | null | undefined)?.Cause;
    const reason = skipReasonOf(record);
    const tryNumber = typeof record.try === 'number' ? record.try : iteration.scheduled;
    instances.push({
      taskId,
      mapIndex: iteration.index,
      state: asTaskState(record.state),
      ...(tryNumber > 0 ? { try: tryNumber } : {}),
      ...(typeof error === 'string' ? { error } : {}),
      ...(typeof error === 'string' && typeof cause === 'string' && cause !== ''
        ? { errorMessage: errorSummary(error, cause) }
        : {}),
      ...(reason !== undefined ? { reason } : {}),
    });
  }
  return instances.sort((a, b) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : a.mapIndex - b.mapIndex));
}

/**
 * An item's record: a state's output with a `state` field. The other outputs inside an iteration are the item's
 * input (with the caught error beside it), never a record.
 */
function recordOf(output: string | undefined): Record<string, unknown> | undefined {
  if (output === undefined) return undefined;
  const value = parseJson(output);
  return typeof value === 'object' && value !== null && typeof (value as { state?: unknown }).state === 'string'
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * The task id a worker call names: the SQS message body (`TaskMessage.taskId`) or, for a Fargate task, the
 * container's `AIRSTEP_TASK_ID` variable.
 */
function taskIdOfWorkerCall(parameters: string | undefined): string | undefined {
  const call = parseJson(parameters ?? 'null') as {
    MessageBody?: unknown;
    Overrides?: { ContainerOverrides?: Array<{ Environment?: Array<{ Name?: unknown; Value?: unknown }> }> };
  } | null;
  const body = typeof call?.MessageBody === 'string' ? parseJson(call.MessageBody) : call?.MessageBody;
  const fromBody = (body as { taskId?: unknown } | null | undefined)?.taskId;
  if (typeof fromBody === 'string') return fromBody;
  for (const container of call?.Overrides?.ContainerOverrides ?? []) {
    const variable = container.Environment?.find((entry) => entry.Name === 'AIRSTEP_TASK_ID');
    if (typeof variable?.Value === 'string') return variable.Value;
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // a truncated or non-JSON detail names nothing
  }
}
