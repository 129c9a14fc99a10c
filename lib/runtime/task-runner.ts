import type { TaskMessage, TaskOutcome } from '../compiler/worker-contract.ts';
import type { Dag } from '../sdk/dag.ts';
import { NonRetryableError } from '../sdk/errors.ts';
import { TaskRef } from '../sdk/task-ref.ts';
import {
  FARGATE_INPUT_LIMIT_BYTES,
  feedsFargate,
  feedsMapping,
  offloadResult,
  resolveRefs,
  XCOM_INLINE_LIMIT_BYTES,
  type XComStore,
} from './xcom.ts';

/**
 * Runs one try of a task function from its DAG, the same way on every worker: builds the context, calls the
 * function with its inputs, shapes the result (branch ids, short-circuit boolean, poke answer) and turns errors
 * into Step Functions error names (`NonRetryableError` stays non-retryable).
 */
export interface TaskTryOptions {
  readonly log?: (line: string) => void;
  /** Where large results go and references are read from; without it results always travel inline. */
  readonly xcom?: { readonly store: XComStore; readonly limitBytes?: number };
  /**
   * Sends a heartbeat (SendTaskHeartbeat, or its local equivalent) every `everyMs` while the function runs. The
   * timer shares the task's event loop, so a task that blocks it stops heartbeating and times out, as on AWS.
   */
  readonly heartbeat?: { readonly everyMs: number; readonly send: () => unknown };
}

export async function runTaskTry(dag: Dag, message: TaskMessage, options: TaskTryOptions = {}): Promise<TaskOutcome> {
  const tryNumber = message.retryCount + 1;
  const declared = dag.declared.tasks.get(message.taskId);
  const fail = (error: string, cause: string): TaskOutcome => ({ ok: false, error, cause, try: tryNumber });
  if (declared === undefined) return fail('NonRetryableError', `DAG ${dag.id} has no task '${message.taskId}'`);
  const spec = declared.spec;
  if (spec.kind !== 'code' && spec.kind !== 'poll_sensor') {
    return fail('NonRetryableError', `task '${message.taskId}' is a ${spec.kind} step, not worker code`);
  }
  const log = options.log ?? (() => undefined);
  const ctx = {
    ...message.ctx,
    taskId: message.taskId,
    mapIndex: message.mapIndex,
    tryNumber,
    log: (...values: unknown[]) => log(values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(' ')),
  };
  const heartbeat =
    options.heartbeat !== undefined
      ? setInterval(
          () => void Promise.resolve(options.heartbeat!.send()).catch(() => undefined),
          options.heartbeat.everyMs,
        )
      : undefined;
  try {
    const store = options.xcom?.store;
    const resolve = async <T>(value: T): Promise<T> =>
      store === undefined ? value : ((await resolveRefs(value, store)) as T);
    const inputs = Object.fromEntries(
      await Promise.all(Object.entries(message.inputs).map(async ([name, value]) => [name, await resolve(value)])),
    );
    const mapped = spec.kind === 'code' && spec.mapping !== undefined;
    const value = mapped
      ? await spec.fn(ctx, await resolve(message.item), { ...(message.partial ?? {}), ...inputs })
      : await spec.fn(ctx, inputs);
    let output =
      message.kind === 'poke'
        ? pokeAnswer(value)
        : spec.kind === 'code' && spec.role === 'branch'
          ? branchIds(dag, message.taskId, value)
          : spec.kind === 'code' && spec.role === 'short_circuit'
            ? Boolean(value)
            : toJson(value, message.taskId);
    if (store !== undefined && message.kind === 'task' && spec.kind === 'code' && spec.role === 'task') {
      output = await offloadResult(output, {
        store,
        key: {
          dagId: dag.id,
          runId: message.ctx.runId,
          taskId: message.taskId,
          mapIndex: message.mapIndex,
          tryNumber,
        },
        limitBytes: inlineLimitOf(dag, message.taskId, options.xcom?.limitBytes),
        keepList: feedsMapping(dag, message.taskId),
      });
    }
    return { ok: true, result: { output, try: tryNumber } };
  } catch (error) {
    const err = error as Error;
    const name =
      err instanceof NonRetryableError || err?.name === 'NonRetryableError'
        ? 'NonRetryableError'
        : (err?.name ?? 'Error');
    return fail(name.slice(0, 256), (err?.stack ?? String(error)).slice(0, 32_768));
  } finally {
    if (heartbeat !== undefined) clearInterval(heartbeat);
  }
}

/** The size above which a task's result is offloaded: the DAG's, or less when a Fargate task reads it. */
function inlineLimitOf(dag: Dag, taskId: string, override: number | undefined): number {
  const limit = override ?? dag.options.xcomOffloadBytes ?? XCOM_INLINE_LIMIT_BYTES;
  return feedsFargate(dag, taskId) ? Math.min(limit, FARGATE_INPUT_LIMIT_BYTES) : limit;
}

function pokeAnswer(value: unknown): { done: boolean; value: unknown } {
  if (typeof value === 'object' && value !== null && 'done' in value) {
    const answer = value as { done: unknown; value?: unknown };
    return { done: Boolean(answer.done), value: answer.value === undefined ? null : toJson(answer.value, 'poke') };
  }
  return { done: Boolean(value), value: null };
}

/** A branch returns the ids (or tasks) to follow; each must be one of its direct downstream tasks. */
function branchIds(dag: Dag, taskId: string, value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  const ids = list.map((item) => (item instanceof TaskRef ? item.id : item));
  const downstream = new Set(
    dag.declared.edges.filter((edge) => edge.from.id === taskId && edge.to.kind === 'task').map((edge) => edge.to.id),
  );
  for (const id of ids) {
    if (typeof id !== 'string' || !downstream.has(id)) {
      throw new NonRetryableError(
        `branch '${taskId}' returned ${JSON.stringify(id)}, which is not one of its downstream tasks (${[...downstream].sort().join(', ')})`,
      );
    }
  }
  return [...new Set(ids as string[])];
}

/** Task results are JSON (they travel between states); undefined becomes null. */
function toJson(value: unknown, taskId: string): unknown {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value));
  } catch (error) {
    throw new NonRetryableError(`task '${taskId}' returned a value that is not JSON: ${(error as Error).message}`);
  }
}
