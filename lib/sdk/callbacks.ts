import type { RunType } from '../schedule/types.ts';
import type { AssetEventInfo, SecretReader } from './context.ts';

/**
 * What a callback is told. Callbacks run after the state they are called for is recorded, in the DAG's own code
 * (the bundle of the run's version) on a worker; what they return is ignored, and a callback that throws or
 * outlives its time limit is logged and changes no state (see README, "Callbacks").
 */

/** The error a callback is called for: its name (`Error`, `NonRetryableError`, `States.Timeout`, …) and message. */
export interface CallbackError {
  readonly name: string;
  readonly message: string;
}

/** The run a callback belongs to, and the Variables and Connections its code may read (as tasks do). */
export interface CallbackRun<P = Record<string, unknown>> extends SecretReader {
  readonly dagId: string;
  readonly runId: string;
  readonly runType: RunType;
  /** The run's logical date (ISO 8601), as `ctx.logicalDate` gives it to tasks. */
  readonly logicalDate: string;
  /** The logical date as `YYYY-MM-DD` in the DAG's time zone. */
  readonly ds: string;
  readonly dataIntervalStart: string;
  readonly dataIntervalEnd: string;
  /** The run's params after defaults, as tasks see them. */
  readonly params: P;
  /** The conf the run was triggered with. */
  readonly conf: Readonly<Record<string, unknown>>;
  /** The asset events that started the run (`ctx.triggeringAssetEvents`); empty unless it is `asset_triggered`. */
  readonly triggeringAssetEvents: Readonly<Record<string, readonly AssetEventInfo[]>>;
}

/** The task states a task callback is called for: `onSuccess`, `onRetry`, `onFailure` in that order. */
export type TaskCallbackState = 'success' | 'up_for_retry' | 'failed';

/** What a task's `onSuccess` / `onRetry` / `onFailure` receives. */
export interface TaskCallbackContext<P = Record<string, unknown>> extends CallbackRun<P> {
  readonly taskId: string;
  /** The item's index in a mapped task (each item calls its own callbacks); -1 otherwise. */
  readonly mapIndex: number;
  /** The try that ended: 1 for the first, 2 for the first retry, … */
  readonly tryNumber: number;
  /** `success` (onSuccess), `up_for_retry` (onRetry: another try follows), `failed` (onFailure: no try follows). */
  readonly state: TaskCallbackState;
  /** Why the try failed (onRetry, onFailure); absent for onSuccess. */
  readonly error?: CallbackError;
}

/** The run states a DAG callback is called for. */
export type DagCallbackState = 'success' | 'failed';

/** What a DAG's `onSuccess` / `onFailure` receives, once the run has ended. */
export interface DagCallbackContext<P = Record<string, unknown>> extends CallbackRun<P> {
  /** `success` (onSuccess) or `failed` (onFailure). */
  readonly state: DagCallbackState;
  /** Why the run failed (onFailure): the execution's error, e.g. `States.Timeout` for `dagrunTimeout`. */
  readonly error?: CallbackError;
}

/**
 * What a DAG's `deadline.callback` receives when a run missed its deadline (Airflow 3.1's DeadlineAlert callback):
 * the run, and the instant it had to end by. The run may still be going, or have ended late.
 */
export interface DeadlineCallbackContext<P = Record<string, unknown>> extends CallbackRun<P> {
  readonly state: 'deadline_missed';
  /** ISO instant the run had to end by. */
  readonly deadline: string;
}

/** A DAG's `deadline.callback`, called once per run that missed its deadline. */
export type DeadlineCallback<P = Record<string, unknown>> = (context: DeadlineCallbackContext<P>) => unknown;

/** A task's `onSuccess`, `onRetry` or `onFailure`. */
export type TaskCallback<P = Record<string, unknown>> = (context: TaskCallbackContext<P>) => unknown;

/** A DAG's `onSuccess` or `onFailure`, called once per run when the run ends. */
export type DagCallback<P = Record<string, unknown>> = (context: DagCallbackContext<P>) => unknown;

/** Which callback of a task is called. */
export type TaskCallbackName = 'onSuccess' | 'onRetry' | 'onFailure';

/** Which callback of a DAG is called. */
export type DagCallbackName = 'onSuccess' | 'onFailure';

/**
 * How long one callback may run (milliseconds) before the worker stops waiting for it and logs it as timed out.
 * One minute: callbacks notify (a chat message, a ticket), they are not work; the worker must get on.
 */
export const CALLBACK_TIME_LIMIT_MS = 60_000;
