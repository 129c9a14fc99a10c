import type { TaskContext } from '../sdk/context.ts';

/**
 * What the state machine sends an Airstep worker (the compiler writes it; see lib/compiler/task-states.ts) and
 * what the worker answers. One contract for the Lambda worker, the Fargate worker and the local engine.
 */
export interface TaskMessage {
  readonly kind: 'task' | 'poke';
  readonly dagId: string;
  readonly dagVersion: string;
  readonly taskId: string;
  readonly executionArn: string;
  /** `$$.State.RetryCount`: 0 on the first try. */
  readonly retryCount: number;
  readonly token: string;
  readonly ctx: RunContext;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly mapIndex: number;
  readonly item?: unknown;
  readonly partial?: Readonly<Record<string, unknown>>;
}

/** The run-level part of the task context; it travels in the state payload as `$.ctx`. */
export type RunContext = Omit<TaskContext, 'taskId' | 'mapIndex' | 'tryNumber' | 'log'>;

/** The worker's answer: SendTaskSuccess with `{ output, try }`, or SendTaskFailure with an error name. */
export type TaskOutcome =
  | { readonly ok: true; readonly result: { readonly output: unknown; readonly try: number } }
  | { readonly ok: false; readonly error: string; readonly cause: string; readonly try: number };
