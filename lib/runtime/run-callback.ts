import type { CallbackMessage } from '../compiler/worker-contract.ts';
import {
  CALLBACK_TIME_LIMIT_MS,
  type CallbackRun,
  type DagCallback,
  type DagCallbackContext,
  type DeadlineCallback,
  type TaskCallback,
  type TaskCallbackContext,
} from '../sdk/callbacks.ts';
import { callbackOf, type Dag } from '../sdk/dag.ts';
import { SecretMasker } from './secret-masker.ts';
import { environmentSecrets, type SecretSource } from './secret-source.ts';
import { TaskSecrets } from './task-secrets.ts';
import { readThrownValue } from './thrown-value.ts';

/** How a callback call ended; it never fails anything, so this is only logged (and kept for idempotence). */
export type CallbackResult =
  | { readonly status: 'called' }
  | { readonly status: 'missing' | 'threw' | 'timed-out'; readonly message: string };

export interface RunCallbackOptions {
  /** Where the outcome of a call that did not end well is written, with its DAG, run and task. */
  readonly log?: (line: string) => void;
  /** @default CALLBACK_TIME_LIMIT_MS */
  readonly timeLimitMs?: number;
  /** Where the callback's `variable` and `connection` read, as a task's try does. @default the environment only */
  readonly secrets?: readonly SecretSource[];
}

/**
 * Calls one callback of a DAG module, the same way on every worker (local worker processes, the Lambda worker,
 * the Fargate container): builds its context from the message, waits for it at most the time limit, and turns a
 * throw or a timeout into a logged result. A callback cannot change a state or fail a run: nothing it does
 * reaches the state machine. A callback that outlives its limit keeps running in the background (JavaScript
 * cannot stop it); the worker no longer waits for it.
 */
export async function runCallback(
  dag: Dag,
  message: CallbackMessage,
  options: RunCallbackOptions = {},
): Promise<CallbackResult> {
  const { callback } = message;
  const taskId = callback.of === 'task' ? callback.taskId : undefined;
  const where = `DAG ${message.dagId} run ${message.ctx.runId}${taskId !== undefined ? ` task ${taskId}${callback.of === 'task' && callback.mapIndex >= 0 ? `[${callback.mapIndex}]` : ''}` : ''}`;
  const log = options.log ?? (() => undefined);
  const fn = callback.of === 'deadline' ? dag.options.deadline?.callback : callbackOf(dag, taskId, callback.name);
  if (fn === undefined) {
    const result = { status: 'missing', message: `${where}: ${callback.name} is not in this DAG version` } as const;
    log(`callback ${callback.name} not called: ${result.message}`);
    return result;
  }
  // What the callback reads is masked in what is logged of it (its error), as in a task's log.
  const masker = new SecretMasker();
  const secrets = new TaskSecrets(options.secrets ?? [environmentSecrets()], masker);
  const reader = {
    variable: (name: string, defaultValue?: string) => secrets.variable(name, defaultValue),
    connection: (id: string) => secrets.connection(id),
  };
  const limitMs = options.timeLimitMs ?? CALLBACK_TIME_LIMIT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<CallbackResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ status: 'timed-out', message: `${where}: ${callback.name} ran longer than ${limitMs} ms` }),
      limitMs,
    );
  });
  const called = (async (): Promise<CallbackResult> => {
    try {
      const run = { ...runFields(message), ...reader };
      if (callback.of === 'task') await (fn as TaskCallback)(taskContext(run, message, callback));
      else if (callback.of === 'dag') await (fn as DagCallback)(dagContext(run, message, callback));
      else await (fn as DeadlineCallback)({ ...run, state: callback.state, deadline: callback.deadline });
      return { status: 'called' };
    } catch (error) {
      const thrown = readThrownValue(error);
      const said = masker.mask(`${thrown.name}: ${thrown.message}`);
      return { status: 'threw', message: `${where}: ${callback.name} threw ${said}` };
    }
  })();
  const result = await Promise.race([called, timedOut]);
  clearTimeout(timer);
  if (result.status !== 'called') log(`callback ${callback.name} failed (no state changed): ${result.message}`);
  return result;
}

function runFields(message: CallbackMessage) {
  const { ctx } = message;
  return {
    dagId: ctx.dagId,
    runId: ctx.runId,
    runType: ctx.runType,
    logicalDate: ctx.logicalDate,
    ds: ctx.ds,
    dataIntervalStart: ctx.dataIntervalStart,
    dataIntervalEnd: ctx.dataIntervalEnd,
    params: ctx.params,
    conf: ctx.conf,
    triggeringAssetEvents: ctx.triggeringAssetEvents ?? {},
  };
}

function taskContext(
  run: CallbackRun,
  message: CallbackMessage,
  callback: Extract<CallbackMessage['callback'], { of: 'task' }>,
): TaskCallbackContext {
  return {
    ...run,
    taskId: callback.taskId,
    mapIndex: callback.mapIndex,
    tryNumber: callback.tryNumber,
    state: callback.state,
    ...(message.error !== undefined ? { error: message.error } : {}),
  };
}

function dagContext(
  run: CallbackRun,
  message: CallbackMessage,
  callback: Extract<CallbackMessage['callback'], { of: 'dag' }>,
): DagCallbackContext {
  return {
    ...run,
    state: callback.state,
    ...(message.error !== undefined ? { error: message.error } : {}),
  };
}
