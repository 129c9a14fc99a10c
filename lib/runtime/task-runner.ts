import {
  type ItemsLocation,
  type TaskMessage,
  type TaskOutcome,
  WORKER_ERROR,
  type WorkerTask,
} from '../compiler/worker-contract.ts';
import type { AwsCredentials } from '../sdk/context.ts';
import { type Dag, taskFunctionOf } from '../sdk/dag.ts';
import { NonRetryableError, SkipError } from '../sdk/errors.ts';
import { withConsoleCaptured } from './console-capture.ts';
import { storeMapItems } from './distributed-items.ts';
import { tryNumberOf } from './kept-task.ts';
import { OutletExtras } from './outlet-extras.ts';
import { SecretMasker } from './secret-masker.ts';
import { environmentSecrets, type SecretSource } from './secret-source.ts';
import { taskAws } from './task-aws.ts';
import { TaskSecrets } from './task-secrets.ts';
import { isThrownInstance, readThrownValue } from './thrown-value.ts';
import { offloadResult, resolveRefs, type XComStore } from './xcom.ts';

export interface TaskTryOptions {
  readonly log?: (line: string) => void;
  /** Where large results go and references are read from; without it results always travel inline. */
  readonly xcom?: { readonly store: XComStore; readonly limitBytes?: number };
  /**
   * Sends a heartbeat (SendTaskHeartbeat, or its local equivalent) every `everyMs` while the function runs. The
   * timer shares the task's event loop, so a task that blocks it stops heartbeating and times out, as on AWS.
   */
  readonly heartbeat?: { readonly everyMs: number; readonly send: () => unknown };
  /**
   * The credentials of the task's `runAs` role for this try (the cloud workers assume it with STS). Without it, or
   * for a task without `runAs`, `ctx.aws` uses the default credentials (the local engine). A failure fails the try.
   */
  readonly assumeRole?: (roleArn: string) => Promise<AwsCredentials>;
  /**
   * Where `ctx.variable` and `ctx.connection` read, in order (the first place holding the name wins): the local
   * engine's environment, secrets file and config; the cloud workers' SSM and Secrets Manager, then environment.
   * @default the environment only (`AIRSTEP_VAR_*`, `AIRSTEP_CONN_*`)
   */
  readonly secrets?: readonly SecretSource[];
}

/**
 * Runs one try of a task, the same way on every worker: builds the context, calls the task's function (the only
 * thing taken from the DAG module) with its inputs, shapes the result as the compiled task says (branch ids,
 * short-circuit boolean, poke answer, XCom offload) and turns errors into Step Functions error names
 * (`NonRetryableError` stays non-retryable; a `SkipError` answers its name with the reason as the cause). `task` is the task's entry of the compiled manifest, or undefined
 * when the DAG version has no such task.
 */
export async function runTaskTry(
  dag: Dag,
  task: WorkerTask | undefined,
  message: TaskMessage,
  options: TaskTryOptions = {},
): Promise<TaskOutcome> {
  const tryNumber = tryNumberOf(message);
  const fail = (error: string, cause: string): TaskOutcome => ({ ok: false, error, cause, try: tryNumber });
  const fn = taskFunctionOf(dag, message.taskId);
  if (task === undefined || fn === undefined) {
    return task === undefined || task.kind === 'code' || task.kind === 'poll_sensor'
      ? fail(WORKER_ERROR.nonRetryable, `DAG ${dag.id} has no task '${message.taskId}'`)
      : fail(WORKER_ERROR.nonRetryable, `task '${message.taskId}' is a ${task.kind} step, not worker code`);
  }
  // The secrets this try reads are masked in everything it writes out: log lines, its error, and (refused) its result.
  const masker = new SecretMasker();
  const secrets = new TaskSecrets(options.secrets ?? [environmentSecrets()], masker);
  const write = options.log ?? (() => undefined);
  const log = (line: string) => write(masker.mask(line));
  // A cleared run's keep list is the workers' business, not the task's.
  const { clear: _clear, ...runContext } = message.ctx;
  const outletExtras = new OutletExtras(task, message.kind === 'poke');
  const context = {
    ...runContext,
    triggeringAssetEvents: runContext.triggeringAssetEvents ?? {},
    taskId: message.taskId,
    mapIndex: message.mapIndex,
    tryNumber,
    log: (...values: unknown[]) => log(values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(' ')),
    variable: (name: string, defaultValue?: string) => secrets.variable(name, defaultValue),
    connection: (id: string) => secrets.connection(id),
    outletEvents: outletExtras.accessor,
  };
  const heartbeat =
    options.heartbeat !== undefined
      ? setInterval(
          () => void Promise.resolve(options.heartbeat!.send()).catch(() => undefined),
          options.heartbeat.everyMs,
        )
      : undefined;
  try {
    const { runAs } = task;
    const ctx = {
      ...context,
      aws: taskAws(
        runAs !== undefined && options.assumeRole !== undefined
          ? { roleArn: runAs, credentials: await options.assumeRole(runAs) }
          : undefined,
      ),
    };
    const store = options.xcom?.store;
    const resolve = async <T>(value: T): Promise<T> =>
      store === undefined ? value : ((await resolveRefs(value, store)) as T);
    const inputs = Object.fromEntries(
      await Promise.all(Object.entries(message.inputs).map(async ([name, value]) => [name, await resolve(value)])),
    );
    const item = task.mapped ? await resolve(message.item) : undefined;
    const value = await withConsoleCaptured(log, async () =>
      task.mapped ? fn(ctx, item, { ...(message.partial ?? {}), ...inputs }) : fn(ctx, inputs),
    );
    let output =
      message.kind === 'poke'
        ? pokeAnswer(value)
        : task.role === 'branch'
          ? branchIds(task, value)
          : task.role === 'short_circuit'
            ? Boolean(value)
            : toJson(value, message.taskId);
    // A result is XCom: kept in the run's history, passed to other tasks and shown in the UI. Airflow only masks
    // it on display; here it would be stored in clear, so a result carrying a secret the try read is refused.
    if (!masker.empty && masker.reveals(JSON.stringify(output))) {
      throw new NonRetryableError(
        `task '${message.taskId}' returned a secret it read (a connection's password or a sensitive variable): results are XCom, kept in the run's history, so pass the connection id and read it where it is needed`,
      );
    }
    const outletExtra = outletExtras.answered ? outletExtras.answer() : undefined;
    // Outlet extras are kept in the run's history and in every asset event, as results are.
    if (outletExtra !== undefined && !masker.empty && masker.reveals(JSON.stringify(outletExtra))) {
      throw new NonRetryableError(
        `task '${message.taskId}' put a secret it read (a connection's password or a sensitive variable) in the extra of an outlet event: asset events are kept and shown to the runs they trigger`,
      );
    }
    let items: ItemsLocation | undefined;
    if (store !== undefined && message.kind === 'task' && task.kind === 'code' && task.role === 'task') {
      const key = {
        dagId: dag.id,
        runId: message.ctx.runId,
        taskId: message.taskId,
        mapIndex: message.mapIndex,
        tryNumber,
      };
      if (task.listToStore) {
        ({ output, items } = await storeMapItems(output, store, key));
      } else {
        output = await offloadResult(output, {
          store,
          key,
          limitBytes: options.xcom?.limitBytes ?? task.offloadBytes,
          keepList: task.keepList,
        });
      }
    }
    return {
      ok: true,
      result: {
        output,
        try: tryNumber,
        ...(items !== undefined ? { items } : {}),
        ...(outletExtra !== undefined ? { outletExtra } : {}),
      },
    };
  } catch (error) {
    // Any value may be thrown; reading it must not throw again (lib/runtime/thrown-value.ts).
    const thrown = readThrownValue(error);
    // By class, or by name for a copy of the SDK the DAG bundled itself.
    if (isThrownInstance(error, SkipError) || thrown.name === WORKER_ERROR.skip) {
      return fail(WORKER_ERROR.skip, masker.mask(thrown.message).slice(0, 32_768));
    }
    const name =
      isThrownInstance(error, NonRetryableError) || thrown.name === WORKER_ERROR.nonRetryable
        ? WORKER_ERROR.nonRetryable
        : thrown.name;
    // An error message often quotes what failed (a connection string): it goes to the run's history and the log.
    return fail(name.slice(0, 256), masker.mask(thrown.stack).slice(0, 32_768));
  } finally {
    if (heartbeat !== undefined) clearInterval(heartbeat);
  }
}

function pokeAnswer(value: unknown): { done: boolean; value: unknown } {
  if (typeof value === 'object' && value !== null && 'done' in value) {
    const answer = value as { done: unknown; value?: unknown };
    return { done: Boolean(answer.done), value: answer.value === undefined ? null : toJson(answer.value, 'poke') };
  }
  return { done: Boolean(value), value: null };
}

/**
 * A branch returns the ids to follow: each must be one of its direct downstream tasks, or a task group holding
 * some of them, which stands for those (the compiled Choice follows task ids).
 */
function branchIds(task: WorkerTask, value: unknown): string[] {
  const targets = task.branchTargets ?? [];
  const ids: string[] = [];
  for (const id of Array.isArray(value) ? value : [value]) {
    const followed =
      typeof id === 'string'
        ? targets.filter((target) => target.id === id || target.groups.includes(id)).map((target) => target.id)
        : [];
    if (followed.length === 0) {
      throw new NonRetryableError(
        `branch '${task.id}' returned ${JSON.stringify(id)}, which is not one of its downstream tasks (${targets.map((target) => target.id).join(', ')})`,
      );
    }
    ids.push(...followed);
  }
  return [...new Set(ids)];
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
