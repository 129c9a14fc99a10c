import type { LatestWindow } from '../schedule/index.ts';
import type { CallbackError, DagCallbackName, TaskCallbackName, TaskCallbackState } from '../sdk/callbacks.ts';
import type { TaskContext } from '../sdk/context.ts';
import type { DagManifest } from './manifest.ts';

/**
 * The worker contract: what the compiled state machine sends an Airstep worker and what the worker answers, one
 * contract for the Lambda worker, the Fargate worker and the local engine. After the compiler, the ASL, the
 * manifest and this module are the only source of truth: a worker reads the facts of a task from the manifest
 * (`workerTaskOf`) and takes only the task's code from the DAG module.
 */

/** The message `sqs:sendMessage.waitForTaskToken` sends (see task-states.ts, which writes it). */
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

/**
 * A callback for the worker to call, sent by the recorder for what no worker saw end: a run that ended (the
 * DAG's `onSuccess` / `onFailure`) and a try that timed out or lost its heartbeat (the task's `onFailure`). The
 * worker loads the bundle of `dagVersion`, calls the function and keeps a record under `id`, so a redelivered
 * message does not call it again once it ran to the end.
 */
export interface CallbackMessage {
  readonly kind: 'callback';
  /** Names this call for the idempotence record: one per run, task instance, try and callback. */
  readonly id: string;
  readonly dagId: string;
  readonly dagVersion: string;
  readonly executionArn: string;
  readonly ctx: RunContext;
  readonly callback:
    | { readonly of: 'dag'; readonly name: DagCallbackName; readonly state: 'success' | 'failed' }
    | {
        readonly of: 'deadline';
        readonly name: 'deadline.callback';
        readonly state: 'deadline_missed';
        /** ISO instant the run had to end by. */
        readonly deadline: string;
      }
    | {
        readonly of: 'task';
        readonly name: TaskCallbackName;
        readonly state: TaskCallbackState;
        readonly taskId: string;
        readonly mapIndex: number;
        readonly tryNumber: number;
      };
  readonly error?: CallbackError;
}

/** The run-level part of the task context; it travels in the state payload as `$.ctx`. */
export type RunContext = Omit<
  TaskContext,
  | 'taskId'
  | 'mapIndex'
  | 'tryNumber'
  | 'log'
  | 'aws'
  | 'variable'
  | 'connection'
  | 'triggeringAssetEvents'
  | 'outletEvents'
> & {
  /** An asset-triggered run's events (the task runner gives tasks `{}` when absent). */
  readonly triggeringAssetEvents?: TaskContext['triggeringAssetEvents'];
  /**
   * Scheduled and backfill runs whose schedule has a next interval: the times (UTC) at which the run is its DAG's
   * latest, `after < now <= until` (Airflow's LatestOnlyOperator window). `latestOnly` tasks compare with it.
   */
  readonly latestWindow?: LatestWindow;
  /**
   * A cleared run (`airstep clear`): what its new execution keeps of the ended one. Task code never sees it
   * (the task runner takes it out of the context).
   */
  readonly clear?: ClearedRun;
};

/**
 * What a cleared run's new execution keeps: each kept task instance's answer (its worker answers it at once,
 * without running the code) and the tries every instance already made, so try numbers go on (Airflow's
 * `try_number` keeps counting after a clear while the task gets its retries again). Keys are `instanceKey`s.
 */
export interface ClearedRun {
  /** 1 for the first clear of the run, 2 for the next, … */
  readonly attempt: number;
  readonly kept: Readonly<Record<string, KeptAnswer>>;
  readonly priorTries: Readonly<Record<string, number>>;
  /**
   * Payload keys of the kept `empty` tasks with outlets: an earlier execution recorded their asset events, so the
   * state machine passes their outlets state by (lib/compiler/kept-outlets.ts). Absent: none.
   */
  readonly outletsRecorded?: Readonly<Record<string, true>>;
}

/**
 * A kept instance's answer, with its last try number: its output (success), the reason it skipped itself, or the
 * error it failed with (a failed instance the clear did not choose stays failed, as in Airflow).
 */
export type KeptAnswer =
  | { readonly state: 'success'; readonly output: unknown; readonly try: number }
  | { readonly state: 'skipped'; readonly reason: string; readonly try: number }
  | { readonly state: 'failed'; readonly error: string; readonly try: number };

/** One task instance's key in a `ClearedRun`: the task id, and the map index of a mapped task's item. */
export function instanceKey(taskId: string, mapIndex: number): string {
  return mapIndex >= 0 ? `${taskId}[${mapIndex}]` : taskId;
}

/** The worker's answer: SendTaskSuccess with `{ output, try }`, or SendTaskFailure with an error name. */
export type TaskOutcome =
  | {
      readonly ok: true;
      readonly result: {
        readonly output: unknown;
        readonly try: number;
        /** A list a distributed mapping reads: where the worker wrote it whole (the Map's ItemReader reads it). */
        readonly items?: ItemsLocation;
        /** One `extra` per outlet, in the task's outlet order (outlet-extra.ts): a task that can attach them. */
        readonly outletExtra?: ReadonlyArray<Readonly<Record<string, unknown>>>;
      };
    }
  | { readonly ok: false; readonly error: string; readonly cause: string; readonly try: number };

/** An object in the XCom store as S3 names it (locally, the local store's bucket name and a key under it). */
export interface ItemsLocation {
  readonly Bucket: string;
  readonly Key: string;
}

/**
 * The record output of a distributed mapping: `{ mapResults: 's3://…/manifest.json' }`, the Map Run's
 * ResultWriter manifest. Workers resolve it to the list of item outputs, as they resolve an XCom reference.
 */
export const MAP_RESULTS_FIELD = 'mapResults';

/**
 * The error names a worker answers SendTaskFailure with that the compiled ASL treats specially: neither is
 * retried; `skip` is caught into a `skipped` record (`{ state: 'skipped', skip: { Error, Cause: reason } }`).
 * Task code throws `NonRetryableError` / `SkipError` (lib/sdk/errors.ts), whose names these are.
 */
export const WORKER_ERROR = {
  nonRetryable: 'NonRetryableError',
  skip: 'SkipError',
} as const;

/**
 * A mapped task some of whose items succeeded and the others skipped themselves: its record says `skipped`
 * with this flag set, and trigger rules that count successes see the items that succeeded (see emitMapped).
 */
export const SOME_ITEMS_SUCCEEDED = 'someSucceeded';

/** The reason a `skipped` record gives, when its task's code skipped it with `SkipError`. */
export function skipReasonOf(record: unknown): string | undefined {
  const cause = (record as { skip?: { Cause?: unknown } | null } | null | undefined)?.skip?.Cause;
  return typeof cause === 'string' ? cause : undefined;
}

/** The payload a run's execution starts with: the run context, no task records, no gates. */
export interface RunPayload {
  readonly ctx: RunContext;
  readonly tasks: Readonly<Record<string, unknown>>;
  readonly gates: Readonly<Record<string, unknown>>;
}

export function initialPayload(ctx: RunContext): RunPayload {
  return { ctx, tasks: {}, gates: {} };
}

/**
 * The container environment `ecs:runTask.waitForTaskToken` gives a Fargate try (its message, field by field;
 * each input as `AIRSTEP_INPUT_<name>`). JSON values are JSON text.
 */
export const FARGATE_ENV = {
  taskToken: 'AIRSTEP_TASK_TOKEN',
  dagId: 'AIRSTEP_DAG_ID',
  dagVersion: 'AIRSTEP_DAG_VERSION',
  taskId: 'AIRSTEP_TASK_ID',
  executionArn: 'AIRSTEP_EXECUTION_ARN',
  retryCount: 'AIRSTEP_RETRY_COUNT',
  ctx: 'AIRSTEP_CTX',
  inputPrefix: 'AIRSTEP_INPUT_',
  mapIndex: 'AIRSTEP_MAP_INDEX',
  item: 'AIRSTEP_ITEM',
  partial: 'AIRSTEP_PARTIAL',
} as const;

/**
 * ECS takes at most 8 KiB of RunTask overrides, and a Fargate try's inputs and item travel in its container's
 * environment (with its context): a result a Fargate task reads is offloaded above this many bytes instead.
 * @see https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html (overrides)
 */
export const FARGATE_INPUT_LIMIT_BYTES = 1024;

/**
 * Suffixes of the helper states around a task's own state (named by `stateNames`): a sensor's loop starts at
 * `:start`, a mapping over a literal list at `:items`; a task's run begins at one of its entry states.
 */
export const STATE_SUFFIX = {
  start: ':start',
  items: ':items',
  product: ':product',
  combination: ':combination',
  item: ':item',
  itemFailed: ':item_failed',
  itemSkipped: ':item_skipped',
  itemsFailed: ':items_failed',
  itemsSkipped: ':items_skipped',
  itemsMixed: ':items_mixed',
  result: ':result',
  done: ':done',
  check: ':check',
  match: ':match',
  found: ':found',
  failed: ':failed',
  selfSkipped: ':self_skipped',
  decide: ':decide',
  gate: ':gate',
  signal: ':signal',
  recorded: ':recorded',
  recordLost: ':record_lost',
} as const;

/** The states whose entry means a task's run began (not its trigger-rule decision or its gate). */
export function entryStateNames(stateName: string): readonly string[] {
  return [stateName, `${stateName}${STATE_SUFFIX.start}`, `${stateName}${STATE_SUFFIX.items}`];
}

/** What a worker needs to know of a task to run a try of it, read from the manifest. */
export interface WorkerTask {
  readonly id: string;
  readonly kind: DagManifest['tasks'][number]['kind'];
  /** A code task's: plain XCom, ids to follow, or whether to go on. */
  readonly role?: string;
  /** The function is called with the item (`expand`). */
  readonly mapped: boolean;
  readonly heartbeatSeconds?: number;
  readonly pool?: { readonly name: string; readonly slots: number };
  readonly priorityWeight: number;
  /** A result above this many bytes is offloaded to the XCom store. */
  readonly offloadBytes: number;
  /** A downstream task maps over the result: a large list keeps its shape, its large items offloaded. */
  readonly keepList: boolean;
  /**
   * A distributed mapping reads the result with ItemReader: a list is written whole to the XCom store, whatever
   * its size, and the answer says where (`items`).
   */
  readonly listToStore: boolean;
  /** A branch's downstream tasks, each with the groups it is in (a branch may name a group). */
  readonly branchTargets?: ReadonlyArray<{ readonly id: string; readonly groups: readonly string[] }>;
  /** The IAM role the worker assumes for the task's code (its credentials reach the code as `ctx.aws`). */
  readonly runAs?: string;
  /** Retries after the first try: which failed try is followed by another (onRetry) and which is the last. */
  readonly retries: number;
  /** The task's callbacks: the worker calls one after answering a try only when the task has it. */
  readonly callbacks: readonly TaskCallbackName[];
  /** The URIs of the assets the task updates, in the order its outlets state sends their events. */
  readonly outlets?: readonly string[];
}

/** The manifest's facts of each task, by task id, as a worker runs them (build it once per DAG version). */
export function workerTasksOf(manifest: DagManifest): ReadonlyMap<string, WorkerTask> {
  const groups = new Map(manifest.tasks.map((task) => [task.id, task.groups]));
  return new Map(
    manifest.tasks.map((task) => [
      task.id,
      {
        id: task.id,
        kind: task.kind,
        ...(task.role !== undefined ? { role: task.role } : {}),
        mapped: task.mapped,
        ...(task.heartbeatSeconds !== undefined ? { heartbeatSeconds: task.heartbeatSeconds } : {}),
        ...(task.pool !== undefined ? { pool: task.pool } : {}),
        priorityWeight: task.priorityWeight,
        offloadBytes: task.feedsFargate
          ? Math.min(manifest.xcomOffloadBytes, FARGATE_INPUT_LIMIT_BYTES)
          : manifest.xcomOffloadBytes,
        keepList: task.feedsMap,
        listToStore: task.feedsDistributedMap === true,
        ...(task.branchTargets !== undefined
          ? { branchTargets: task.branchTargets.map((id) => ({ id, groups: groups.get(id) ?? [] })) }
          : {}),
        ...(task.runAs !== undefined ? { runAs: task.runAs } : {}),
        retries: task.retries,
        callbacks: task.callbacks,
        ...(task.outlets !== undefined ? { outlets: task.outlets.map((outlet) => outlet.uri) } : {}),
      },
    ]),
  );
}

/**
 * A split run's child that ended on its own (lib/compiler/child-failure-states.ts): the control message that
 * signals a record for each task named unless it signalled already, and the field of the record the parent gives
 * the child's tasks (the child's name), which tells readers the task has no record of its own.
 */
export const RELEASE_KIND = 'release';
export const CHILD_ENDED_FIELD = 'childEnded';
