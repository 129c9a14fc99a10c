/**
 * One name per state across the layers: the compiled ASL writes task records with these states, the local store
 * and the DynamoDB tables keep them, the CLI shows them.
 */

/** Airflow's task-instance states. */
export type TaskState =
  | 'none'
  | 'scheduled'
  | 'queued'
  | 'running'
  | 'success'
  | 'failed'
  | 'up_for_retry'
  | 'skipped'
  | 'upstream_failed'
  /** Locally: had not ended when its run was stopped (SIGINT/SIGTERM); the run is `interrupted` too. */
  | 'interrupted';

/** The states a task's record in the run payload ends in (the compiled ASL writes them; see emit-asl.ts). */
export type EndedTaskState = Extract<TaskState, 'success' | 'failed' | 'skipped' | 'upstream_failed'>;

export const ENDED_TASK_STATES: readonly EndedTaskState[] = ['success', 'failed', 'skipped', 'upstream_failed'];

export function isEndedTaskState(state: unknown): state is EndedTaskState {
  return ENDED_TASK_STATES.includes(state as EndedTaskState);
}

/** A run's state: waiting for a `maxActiveRuns` place, running, ended, or stopped (Ctrl-C, an abort). */
export type RunState = 'queued' | 'running' | 'success' | 'failed' | 'interrupted';

/** A Step Functions execution's status (the local engine's executions have the same ones). */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** Airflow's run state for each execution status, locally and in the cloud. */
export const RUN_STATE: Readonly<Record<ExecutionStatus, RunState>> = {
  RUNNING: 'running',
  SUCCEEDED: 'success',
  FAILED: 'failed',
  TIMED_OUT: 'failed',
  ABORTED: 'interrupted',
};

const TASK_STATES: readonly TaskState[] = [
  'none',
  'scheduled',
  'queued',
  'running',
  'success',
  'failed',
  'up_for_retry',
  'skipped',
  'upstream_failed',
  'interrupted',
];
const RUN_STATES: readonly RunState[] = ['queued', 'running', 'success', 'failed', 'interrupted'];

/** A task state read from a payload, a table or a file; `none` for what Airstep never writes. */
export function asTaskState(value: unknown): TaskState {
  return TASK_STATES.includes(value as TaskState) ? (value as TaskState) : 'none';
}

/** A run state read from a table or a file; undefined for what Airstep never writes. */
export function asRunState(value: unknown): RunState | undefined {
  return RUN_STATES.includes(value as RunState) ? (value as RunState) : undefined;
}
