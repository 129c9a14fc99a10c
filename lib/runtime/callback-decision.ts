import type { ExecutionStatus } from '../compiler/run-states.ts';
import { type TaskOutcome, WORKER_ERROR } from '../compiler/worker-contract.ts';
import type {
  CallbackError,
  DagCallbackName,
  DagCallbackState,
  TaskCallbackName,
  TaskCallbackState,
} from '../sdk/callbacks.ts';

/**
 * Which callback a task's or a run's end calls, as Airflow 3 decides it: a try that succeeded calls `onSuccess`;
 * a failed try calls `onRetry` when another try follows (its retries are not spent and the error is retryable)
 * and `onFailure` when none does (`NonRetryableError`, the last try, a timeout or a lost heartbeat alike); a try
 * that skipped itself calls neither (Airstep has no `onSkipped`). A run that ended `success` calls the DAG's
 * `onSuccess`, one that failed or timed out its `onFailure`; a run stopped by a person calls nothing (Airflow calls
 * no callback for a state set from the UI or CLI). Only a callback the task or DAG has is returned.
 */

export interface TaskCallbackCall {
  readonly name: TaskCallbackName;
  readonly state: TaskCallbackState;
  readonly error?: CallbackError;
}

/** The callback the end of try `tryNumber` calls, given the task's retries and callbacks (from the manifest). */
export function taskCallbackFor(
  task: { readonly retries: number; readonly callbacks: readonly TaskCallbackName[] },
  tryNumber: number,
  outcome: Pick<TaskOutcome, 'ok'> & { readonly error?: string; readonly cause?: string },
): TaskCallbackCall | undefined {
  let call: TaskCallbackCall | undefined;
  if (outcome.ok) {
    call = { name: 'onSuccess', state: 'success' };
  } else if (outcome.error !== WORKER_ERROR.skip) {
    const last = outcome.error === WORKER_ERROR.nonRetryable || tryNumber > task.retries;
    const error = callbackError(outcome.error ?? 'Error', outcome.cause ?? '');
    call = last ? { name: 'onFailure', state: 'failed', error } : { name: 'onRetry', state: 'up_for_retry', error };
  }
  return call !== undefined && task.callbacks.includes(call.name) ? call : undefined;
}

export interface DagCallbackCall {
  readonly name: DagCallbackName;
  readonly state: DagCallbackState;
  readonly error?: CallbackError;
}

/** The DAG callback a run that ended with `status` calls, given the DAG's callbacks (from the manifest). */
export function dagCallbackFor(
  callbacks: readonly DagCallbackName[] | undefined,
  status: ExecutionStatus,
  failure?: { readonly error?: string | null; readonly cause?: string | null },
): DagCallbackCall | undefined {
  let call: DagCallbackCall | undefined;
  if (status === 'SUCCEEDED') call = { name: 'onSuccess', state: 'success' };
  if (status === 'FAILED' || status === 'TIMED_OUT') {
    call = {
      name: 'onFailure',
      state: 'failed',
      error: callbackError(
        failure?.error ?? (status === 'TIMED_OUT' ? 'States.Timeout' : 'States.TaskFailed'),
        failure?.cause ?? '',
      ),
    };
  }
  return call !== undefined && (callbacks ?? []).includes(call.name) ? call : undefined;
}

/**
 * The error as a callback is told it: the worker's cause is the error's stack (`TypeError: bad\n    at …`), of
 * which the message is the first line without the name.
 */
export function callbackError(name: string, cause: string): CallbackError {
  const firstLine = cause.split('\n')[0] ?? '';
  const message = firstLine.startsWith(`${name}: `) ? firstLine.slice(name.length + 2) : firstLine;
  return { name, message };
}
