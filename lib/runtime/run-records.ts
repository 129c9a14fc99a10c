import type { RunContext } from './task-message.ts';

/**
 * The pure part of the recorder: what a Step Functions status change means for a run's record, which task
 * records a run's payload holds, and the alert a failed run sends.
 */

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** Airflow's run state for each execution status. */
export const RUN_STATE: Record<ExecutionStatus, string> = {
  RUNNING: 'running',
  SUCCEEDED: 'success',
  FAILED: 'failed',
  TIMED_OUT: 'failed',
  ABORTED: 'interrupted',
};

/**
 * Run states a RUNNING event may overwrite. EventBridge does not keep events in order, so a RUNNING event that
 * arrives after the run ended must not make it look active again (it would hold a `maxActiveRuns` place forever).
 */
export const STATES_BEFORE_RUNNING = ['queued', 'running'] as const;

export interface TaskRecordSummary {
  /** The task's key in the payload (`$.tasks.<key>`). */
  readonly key: string;
  /** The task id, when it is not the key (an id with characters JSONPath cannot read); see `taskIdOf`. */
  readonly taskId?: string;
  readonly state: string;
  readonly try?: number;
  readonly error?: string;
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
      const taskId = taskIds[key];
      return {
        key,
        ...(taskId !== undefined && taskId !== key ? { taskId } : {}),
        state: String(record.state),
        ...(typeof record.try === 'number' ? { try: record.try } : {}),
        ...(typeof error === 'string' ? { error } : {}),
      };
    })
    .sort((a, b) => (taskIdOf(a) < taskIdOf(b) ? -1 : taskIdOf(a) > taskIdOf(b) ? 1 : 0));
}

/** The id of the task a record belongs to. */
export function taskIdOf(task: TaskRecordSummary): string {
  return task.taskId ?? task.key;
}

/** The Step Functions console page of an execution. */
export function executionConsoleLink(region: string, executionArn: string): string {
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** The alert a run that did not succeed sends: what failed, and where to look. */
export function alertText(input: {
  readonly ctx: RunContext;
  readonly status: string;
  readonly executionArn: string;
  readonly region: string;
  readonly tasks: readonly TaskRecordSummary[];
  readonly error?: string | null;
}): { subject: string; message: string } {
  const failed = input.tasks.filter((task) => task.state === 'failed');
  const upstreamFailed = input.tasks.filter((task) => task.state === 'upstream_failed');
  const lines = [
    `DAG ${input.ctx.dagId}, run ${input.ctx.runId}: ${input.status}${input.error ? ` (${input.error})` : ''}`,
    `logical date ${input.ctx.logicalDate}`,
    failed.length > 0
      ? `failed tasks: ${failed.map((task) => `${taskIdOf(task)}${task.error ? ` (${task.error})` : ''}`).join(', ')}`
      : 'no task failed (the run itself ended early)',
    ...(upstreamFailed.length > 0 ? [`not run (upstream failed): ${upstreamFailed.map(taskIdOf).join(', ')}`] : []),
    `execution: ${executionConsoleLink(input.region, input.executionArn)}`,
  ];
  // SNS subjects are at most 100 printable ASCII characters, on one line.
  const subject = `Airstep: ${input.ctx.dagId} run ${input.status.toLowerCase()}`
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 100);
  return { subject, message: lines.join('\n') };
}
