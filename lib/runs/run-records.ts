import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { asTaskState, type RunState, type TaskState } from '../compiler/run-states.ts';
import { type RunContext, skipReasonOf } from '../compiler/worker-contract.ts';
import { errorSummary } from '../runtime/readable-error.ts';
import { executionConsoleUrl } from '../stack-contract/console-url.ts';
import type { MappedTaskInstance } from './mapped-task-instances.ts';

/**
 * The pure part of the recorder: what a Step Functions status change means for a run's record, which task
 * records a run's payload (and, for mapped tasks, its history) holds, and the alert a failed run sends.
 */

/**
 * Run states a RUNNING event may overwrite. EventBridge does not keep events in order, so a RUNNING event that
 * arrives after the run ended must not make it look active again (it would hold a `maxActiveRuns` place forever).
 */
export const STATES_BEFORE_RUNNING = ['queued', 'running'] as const satisfies readonly RunState[];

export interface TaskRecordSummary {
  /** The task's key in the payload (`$.tasks.<key>`). */
  readonly key: string;
  /** The task id, when it is not the key (an id with characters JSONPath cannot read); see `taskIdOf`. */
  readonly taskId?: string;
  /** The item's index, for an instance of a mapped task; absent for a task's own record (map index -1). */
  readonly mapIndex?: number;
  readonly state: TaskState;
  readonly try?: number;
  readonly error?: string;
  /** The error's one-line summary, from its name and cause (`Error: the warehouse refused the rows`). */
  readonly errorMessage?: string;
  /** Why the task skipped itself (`SkipError`'s message). */
  readonly reason?: string;
}

/**
 * Task records of a run's payload (`{ ctx, tasks, gates }`), in task id order. `taskIds` maps payload keys back
 * to task ids (ids with characters JSONPath cannot read were given other keys); a key it lacks is its own id.
 */
export function taskRecords(payload: unknown, taskIds: Readonly<Record<string, string>> = {}): TaskRecordSummary[] {
  const tasks = (payload as { tasks?: Record<string, Record<string, unknown> | null> } | null)?.tasks ?? {};
  return Object.entries(tasks)
    .filter((entry): entry is [string, Record<string, unknown>] => typeof entry[1] === 'object' && entry[1] !== null)
    .map(([key, record]) => {
      const error = (record.error as { Error?: unknown } | undefined)?.Error;
      const cause = (record.error as { Cause?: unknown } | undefined)?.Cause;
      const reason = skipReasonOf(record);
      const taskId = taskIds[key];
      return {
        key,
        ...(taskId !== undefined && taskId !== key ? { taskId } : {}),
        state: asTaskState(record.state),
        ...(typeof record.try === 'number' ? { try: record.try } : {}),
        ...(typeof error === 'string' ? { error } : {}),
        ...(typeof error === 'string' && typeof cause === 'string' && cause !== ''
          ? { errorMessage: errorSummary(error, cause) }
          : {}),
        ...(reason !== undefined ? { reason } : {}),
      };
    })
    .sort((a, b) => (taskIdOf(a) < taskIdOf(b) ? -1 : taskIdOf(a) > taskIdOf(b) ? 1 : 0));
}

/** The id of the task a record belongs to. */
export function taskIdOf(task: TaskRecordSummary): string {
  return task.taskId ?? task.key;
}

/** How a record is named to people: the task id, and a mapped instance's index as the local grid shows it. */
function taskLabel(task: TaskRecordSummary): string {
  return task.mapIndex !== undefined ? `${taskIdOf(task)}[${task.mapIndex}]` : taskIdOf(task);
}

/**
 * The payload's records with the instances of mapped tasks after their task's own record, by task id then map
 * index. The mapped task's record stays: it is the state Airflow derives from the instances (failed if any
 * failed, skipped over an empty list), the row the grid sums them up in.
 */
export function withMappedInstances(
  tasks: readonly TaskRecordSummary[],
  instances: readonly MappedTaskInstance[],
): TaskRecordSummary[] {
  const keyOf = new Map(tasks.map((task) => [taskIdOf(task), task.key]));
  const mapped = instances.map((instance): TaskRecordSummary => {
    const key = keyOf.get(instance.taskId) ?? instance.taskId;
    return {
      key,
      ...(key !== instance.taskId ? { taskId: instance.taskId } : {}),
      mapIndex: instance.mapIndex,
      state: instance.state,
      ...(instance.try !== undefined ? { try: instance.try } : {}),
      ...(instance.error !== undefined ? { error: instance.error } : {}),
      ...(instance.errorMessage !== undefined ? { errorMessage: instance.errorMessage } : {}),
      ...(instance.reason !== undefined ? { reason: instance.reason } : {}),
    };
  });
  return [...tasks, ...mapped].sort(
    (a, b) =>
      (taskIdOf(a) < taskIdOf(b) ? -1 : taskIdOf(a) > taskIdOf(b) ? 1 : 0) || (a.mapIndex ?? -1) - (b.mapIndex ?? -1),
  );
}

/**
 * The failed task instances to name: a mapped task whose instances are recorded is named by its failed
 * instances (which item failed, with its own error), not by its summary's `MappedItemFailed`.
 */
export function failedTaskInstances(tasks: readonly TaskRecordSummary[]): TaskRecordSummary[] {
  const mapped = new Set(tasks.filter((task) => task.mapIndex !== undefined).map(taskIdOf));
  return tasks.filter(
    (task) => task.state === 'failed' && (task.mapIndex !== undefined || !mapped.has(taskIdOf(task))),
  );
}

/**
 * A run that did not succeed has no output: its last payload is the output of the newest state exit that
 * carries the task records, newest by event id (pages may come in any order; moto ignores `reverseOrder`).
 */
export function lastPayload(events: readonly HistoryEvent[]): unknown {
  let newest: { id: number; payload: unknown } | undefined;
  for (const event of events) {
    const output = event.stateExitedEventDetails?.output;
    if (output === undefined || (newest !== undefined && (event.id ?? 0) <= newest.id)) continue;
    const parsed = JSON.parse(output) as { tasks?: unknown } | null;
    if (parsed?.tasks !== undefined) newest = { id: event.id ?? 0, payload: parsed };
  }
  return newest?.payload ?? null;
}

/** The alert a run that did not succeed sends: what failed, and where to look. */
export function alertText(input: {
  readonly ctx: RunContext;
  readonly status: string;
  readonly executionArn: string;
  readonly tasks: readonly TaskRecordSummary[];
  readonly error?: string | null;
}): { subject: string; message: string } {
  const failed = failedTaskInstances(input.tasks);
  const upstreamFailed = input.tasks.filter((task) => task.state === 'upstream_failed');
  const lines = [
    `DAG ${input.ctx.dagId}, run ${input.ctx.runId}: ${input.status}${input.error ? ` (${input.error})` : ''}`,
    `logical date ${input.ctx.logicalDate}`,
    failed.length > 0
      ? `failed tasks: ${failed.map((task) => `${taskLabel(task)}${task.error ? ` (${task.error})` : ''}`).join(', ')}`
      : 'no task failed (the run itself ended early)',
    ...(upstreamFailed.length > 0 ? [`not run (upstream failed): ${upstreamFailed.map(taskIdOf).join(', ')}`] : []),
    `execution: ${executionConsoleUrl(input.executionArn) ?? input.executionArn}`,
  ];
  // SNS subjects are at most 100 printable ASCII characters, on one line.
  const subject = `Airstep: ${input.ctx.dagId} run ${input.status.toLowerCase()}`
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 100);
  return { subject, message: lines.join('\n') };
}
