import { compileDag } from '../compiler/compile-dag.ts';
import type { SplitThresholds } from '../compiler/machine-split.ts';
import { isEndedTaskState, type TaskState } from '../compiler/run-states.ts';
import {
  type CallbackMessage,
  entryStateNames,
  initialPayload,
  type RunContext,
  skipReasonOf,
  WORKER_ERROR,
  workerTasksOf,
} from '../compiler/worker-contract.ts';
import { dagCallbackFor } from '../runtime/callback-decision.ts';
import { dagCallbackMessage } from '../runtime/callback-messages.ts';
import { tryNumberOf } from '../runtime/kept-task.ts';
import { errorSummary } from '../runtime/readable-error.ts';
import { type CallbackResult, runCallback } from '../runtime/run-callback.ts';
import type { XComStore } from '../runtime/xcom.ts';
import type { Dag } from '../sdk/dag.ts';
import { DagValidationError } from '../sdk/errors.ts';
import { childFailureRecords } from './child-failure-records.ts';
import { localMachineName, withChildMachines } from './child-machines.ts';
import { Clock } from './clock.ts';
import { DagResources, substituteLocal, type WorkerTry } from './dag-resources.ts';
import type { DistributedMapIo } from './distributed-map.ts';
import { GateCoordinator } from './gate-coordinator.ts';
import { type ExecutionEvent, type ExecutionResult, runExecution, type TaskResources } from './interpreter.ts';
import { LocalMapIo } from './local-map-io.ts';
import { localSecretSources } from './local-secrets.ts';
import { LocalXComStore } from './local-xcom-store.ts';
import { parseDefinition } from './parse-definition.ts';
import { LocalLimits } from './slot-limits.ts';
import { TaskTokens } from './task-tokens.ts';
import { type TryTimes, tryEnded, tryInterrupted, tryPhase, trySettled } from './try-times.ts';
import type { CallbackRunner, TryRunner } from './worker-pool.ts';

/** One task (or one mapped item) of a local run, as the grid and `--json` show it. */
export interface TaskInstance {
  readonly taskId: string;
  /** -1 for unmapped tasks. */
  readonly mapIndex: number;
  state: TaskState;
  tries: number;
  /** When its first try began waiting for a DAG or pool slot (worker tasks); `startedAt` is when it ran. */
  queuedAt?: number;
  startedAt?: number;
  endedAt?: number;
  output?: unknown;
  error?: string;
  /** The error's one-line summary (`Error: the warehouse refused the rows`), as the grid shows it. */
  errorMessage?: string;
  /** The error's whole cause as the step answered it: a native step's log (no worker writes one). */
  cause?: string;
  /** Why the task skipped itself (`SkipError`'s message), or why the run failed around it while it ran. */
  reason?: string;
  /** Each worker try's own times and end, oldest first (the fields above are the instance's as a whole). */
  tryTimes?: TryTimes[];
}

/** Which try of which task instance. */
export interface TryKey {
  readonly taskId: string;
  readonly mapIndex: number;
  readonly tryNumber: number;
}

/** A callback the run called, and how that ended (it changed no state either way). */
export interface CalledBack {
  readonly message: CallbackMessage;
  readonly result: CallbackResult;
  readonly logs: readonly string[];
}

export interface LocalRunResult {
  readonly execution: ExecutionResult;
  readonly tasks: TaskInstance[];
  readonly tries: WorkerTry[];
  /** In the order they ended: the tasks' callbacks, then the DAG's. */
  readonly callbacks: CalledBack[];
}

export interface LocalRunOptions {
  readonly dag: Dag;
  readonly ctx: RunContext;
  readonly clock?: Clock;
  /** Native steps (S3, DynamoDB, …): the real service or an emulator. */
  readonly native?: TaskResources;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: ExecutionEvent) => void;
  readonly onTaskChange?: (task: TaskInstance) => void;
  /** A worker try ended (its log and outcome), as it ends: the local store writes its log then. */
  readonly onTryEnded?: (attempt: WorkerTry) => void;
  /** Lines a worker try logged while it runs, as they come (the local store appends them to the try's log). */
  readonly onTryLog?: (attempt: TryKey, lines: readonly string[]) => void;
  /** Run tries in worker processes (crash isolation) instead of in this process. */
  readonly runTry?: TryRunner;
  /** Where results above the inline limit go (in-process tries; worker processes get the store root). */
  readonly xcom?: XComStore;
  /** Where Distributed Maps read items and write results: by default the local XCom store `xcom` is, if it is one. */
  readonly distributedMaps?: DistributedMapIo;
  /** DAG and pool slots shared with other runs of this process (default: this run's own). */
  readonly limits?: LocalLimits;
  /** Run callbacks in worker processes (ProcessWorkerPool's `callback`) instead of in this process. */
  readonly runCallback?: CallbackRunner;
  /** A callback's time limit, in-process. @default CALLBACK_TIME_LIMIT_MS */
  readonly callbackTimeLimitMs?: number;
  /**
   * Records the ended run (the local store) before the DAG's callback is called: callbacks run after the state
   * they are called for is recorded.
   */
  readonly recordEnded?: (ended: Omit<LocalRunResult, 'callbacks'>) => Promise<void>;
  /** @internal When the compiler splits the DAG into a parent and children (tests split small DAGs). */
  readonly splitAt?: SplitThresholds;
}

/**
 * Runs a DAG in the local engine: compiles it, then interprets the very ASL that would be deployed, with task
 * functions run in-process by the shared task runner.
 */
export async function runDagLocally(options: LocalRunOptions): Promise<LocalRunResult> {
  const compiled = compileDag(options.dag, options.splitAt !== undefined ? { splitAt: options.splitAt } : {});
  if (compiled.problems.length > 0 || compiled.asl === undefined) throw new DagValidationError(compiled.problems);
  const definition = parseDefinition(JSON.parse(substituteLocal(compiled.asl, compiled.manifest!)));
  const clock = options.clock ?? new Clock();
  const tokens = new TaskTokens();
  const manifest = compiled.manifest!;
  const byKey = new Map(manifest.tasks.map((task) => [task.id, task.key]));
  const workerTasks = workerTasksOf(manifest);
  const limits = options.limits ?? new LocalLimits();
  const gates = new GateCoordinator((id) => byKey.get(id)!);
  const owners = new Map(manifest.tasks.map((task) => [task.stateName, task]));
  const instances = new Map<string, TaskInstance>();
  const instance = (taskId: string, mapIndex = -1): TaskInstance => {
    const id = `${taskId}\u0000${mapIndex}`;
    let found = instances.get(id);
    if (found === undefined) {
      found = { taskId, mapIndex, state: 'none', tries: 0 };
      instances.set(id, found);
    }
    return found;
  };
  for (const task of compiled.ir.tasks) instance(task.id);
  const changed = (task: TaskInstance) => options.onTaskChange?.(task);
  const tries: WorkerTry[] = [];
  /** Instances whose tries are a sensor's pokes (many answers per try). */
  const poking = new Set<string>();
  const instanceKey = (of: { readonly taskId: string; readonly mapIndex: number }) =>
    `${of.taskId}\u0000${of.mapIndex}`;
  const callbacks: CalledBack[] = [];
  const pendingCallbacks: Promise<void>[] = [];
  const callbackRunner: CallbackRunner =
    options.runCallback ??
    (async (message) => {
      const logs: string[] = [];
      const result = await runCallback(options.dag, message, {
        log: (line) => logs.push(line),
        secrets: localSecretSources(),
        ...(options.callbackTimeLimitMs !== undefined ? { timeLimitMs: options.callbackTimeLimitMs } : {}),
      });
      return { result, logs };
    });
  const callBack = (message: CallbackMessage) =>
    callbackRunner(message).then(({ result, logs }) => {
      callbacks.push({ message, result, logs });
    });

  const ownerOf = (stateName: string) =>
    owners.get(stateName) ?? owners.get(stateName.slice(0, Math.max(0, stateName.lastIndexOf(':'))));
  // A child that ended on its own: its tasks with no end of their own take the record the parent gave them.
  const idOfKey = new Map(manifest.tasks.map((task) => [task.key, task.id]));
  const endedWithChild = (event: ExecutionEvent) => {
    for (const given of childFailureRecords(event.output)) {
      const task = instance(idOfKey.get(given.key) ?? given.key);
      if (isEndedTaskState(task.state)) continue;
      task.state = 'failed';
      task.endedAt = event.timestamp;
      task.error = given.error;
      task.errorMessage = errorSummary(given.error, given.cause);
      task.cause = given.cause;
      task.reason = given.reason;
      trySettled(task, 'failed', event.timestamp, task.errorMessage);
      changed(task);
    }
  };
  const onEvent = (event: ExecutionEvent) => {
    options.onEvent?.(event);
    if (event.stateName === undefined) return;
    if (event.type === 'StateExited' && compiled.children !== undefined) endedWithChild(event);
    const owner = ownerOf(event.stateName);
    if (owner === undefined) return;
    const task = instance(owner.id);
    // A task starts when its run states are entered (not at its decision or gate).
    const runEntry = entryStateNames(owner.stateName);
    // A worker's task starts when its try has its slots (onTryPhase); a mapped task's row when its Map starts.
    const byWorker = (owner.kind === 'code' || owner.kind === 'poll_sensor') && !owner.mapped;
    if (
      event.type === 'StateEntered' &&
      runEntry.includes(event.stateName) &&
      task.startedAt === undefined &&
      !byWorker
    ) {
      task.startedAt = event.timestamp;
      task.state = 'running';
      changed(task);
    }
    // Worker tries are counted by the worker pool; service calls (native steps, sensors' pokes) here.
    if (
      event.type === 'TaskScheduled' &&
      event.stateName === owner.stateName &&
      owner.kind !== 'code' &&
      owner.kind !== 'poll_sensor'
    ) {
      task.tries++;
    }
    if (event.type === 'StateExited') {
      const record = (
        event.output as {
          tasks?: Record<string, { state?: string; output?: unknown; error?: { Error?: string; Cause?: string } }>;
        }
      )?.tasks?.[owner.key];
      const state = record?.state;
      if (isEndedTaskState(state)) {
        if (task.state !== state) {
          task.state = state;
          task.endedAt = event.timestamp;
          if (record?.output !== undefined) task.output = record.output;
          if (record?.error?.Error !== undefined) {
            task.error = record.error.Error;
            task.errorMessage = errorSummary(record.error.Error, record.error.Cause);
            if (typeof record.error.Cause === 'string') task.cause = record.error.Cause;
          }
          const reason = skipReasonOf(record);
          if (reason !== undefined) task.reason = reason;
          trySettled(task, state, event.timestamp, task.errorMessage);
          changed(task);
        }
      }
    }
  };
  const resources = new DagResources(
    options.dag,
    workerTasks,
    tokens,
    gates,
    () => clock.now(),
    (attempt) => {
      if (options.signal?.aborted) {
        // The run was stopped under this try (its worker killed): it did not fail, it was interrupted.
        tries.push({ ...attempt, outcome: { ok: false, error: 'Interrupted', cause: 'the run was stopped', try: 0 } });
        const task = instance(attempt.taskId, attempt.mapIndex);
        task.tries = Math.max(task.tries, attempt.tryNumber);
        tryEnded(task, attempt, 'interrupted');
        task.startedAt ??= attempt.startedAt;
        // An unmapped task is marked with the others once the execution has stopped; an item has no state before.
        if (attempt.mapIndex >= 0) {
          task.state = 'interrupted';
          task.endedAt = attempt.endedAt;
        }
        return;
      }
      tries.push(attempt);
      options.onTryEnded?.(attempt);
      const task = instance(attempt.taskId, attempt.mapIndex);
      task.tries = Math.max(task.tries, attempt.tryNumber);
      const { outcome: ended } = attempt;
      if (ended.ok) {
        // A sensor's poke that answered has not ended its try unless the sensor's state ends with it (trySettled).
        tryEnded(task, attempt, poking.has(instanceKey(attempt)) ? undefined : 'success');
      } else if (ended.error === WORKER_ERROR.skip) {
        tryEnded(task, attempt, 'skipped');
      } else {
        tryEnded(task, attempt, 'failed', errorSummary(ended.error, ended.cause));
      }
      if (attempt.mapIndex >= 0) {
        task.startedAt ??= attempt.startedAt;
        task.endedAt = attempt.endedAt;
        const { outcome } = attempt;
        if (outcome.ok) {
          task.state = 'success';
          task.output = outcome.result.output;
        } else if (outcome.error === WORKER_ERROR.skip) {
          // The item skipped itself (the compiled Map catches SkipError into a skipped item record).
          task.state = 'skipped';
          task.reason = outcome.cause;
        } else {
          task.state = 'failed';
          task.error = outcome.error;
          task.errorMessage = errorSummary(outcome.error, outcome.cause);
        }
        changed(task);
      } else if (attempt.outcome.ok) {
        task.output = attempt.outcome.result.output;
      }
    },
    options.native,
    options.runTry,
    (taskId) => {
      const seconds = workerTasks.get(taskId)?.heartbeatSeconds;
      // Three heartbeats per HeartbeatSeconds, as the clock runs: one late beat never times a task out.
      return seconds !== undefined ? (seconds * 1000) / 3 / clock.speed : undefined;
    },
    options.xcom,
    (taskId) => {
      const task = workerTasks.get(taskId)!;
      return limits.acquire({
        dagId: manifest.dagId,
        maxActiveTasks: manifest.maxActiveTasks,
        ...(task.pool !== undefined ? { pool: task.pool } : {}),
        priorityWeight: task.priorityWeight,
      });
    },
    // After the engine took the try's answer (its state goes on from there), as the cloud worker does.
    (message) => {
      pendingCallbacks.push(callBack(message));
    },
    (message, phase, at) => {
      const task = instance(message.taskId, message.mapIndex);
      if (isEndedTaskState(task.state)) return;
      if (message.kind === 'poke') poking.add(instanceKey(message));
      tryPhase(task, tryNumberOf(message), phase, at);
      if (phase === 'queued') {
        // A sensor's pokes each take a slot, but the sensor runs from its first poke to its answer, as in Airflow.
        if (message.kind === 'poke' && task.startedAt !== undefined) return;
        task.queuedAt ??= at;
        if (task.state === 'queued') return;
        task.state = 'queued';
      } else {
        task.startedAt ??= at;
        task.state = 'running';
      }
      changed(task);
    },
    options.onTryLog === undefined
      ? undefined
      : (message, lines) => {
          const key = { taskId: message.taskId, mapIndex: message.mapIndex, tryNumber: tryNumberOf(message) };
          options.onTryLog?.(key, lines);
        },
  );

  const engine = { tokens, clock, onEvent, ...distributedMapIo(options) };
  const execution = await runExecution({
    definition,
    input: initialPayload(options.ctx),
    // A DAG split into a parent and children: the children run in this engine, as the parent starts them.
    resources: withChildMachines(
      compiled,
      resources,
      (asl) => parseDefinition(JSON.parse(substituteLocal(asl, manifest))),
      (child) => runExecution({ ...engine, ...child }),
      () => clock.now(),
    ),
    name: options.ctx.runId.replace(/[^A-Za-z0-9_-]/g, '_'),
    stateMachineName: localMachineName(options.dag.id),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    ...engine,
  });
  gates.forget(execution.executionArn);
  if (execution.status === 'ABORTED') markUnfinishedInterrupted(instances.values(), clock.now());
  if (execution.status === 'FAILED') {
    // An error no Catch takes (States.Runtime, e.g. `expand` over an upstream that returned no list) ends the
    // execution at once, as on AWS; the task whose state raised it was still `running`: it failed, with the reason.
    for (const task of instances.values()) {
      if (task.state !== 'running') continue;
      task.state = 'failed';
      task.endedAt = clock.now();
      task.error = execution.error ?? 'States.Runtime';
      task.reason = `the run failed while it ran: ${execution.cause ?? task.error}`;
      trySettled(task, 'failed', task.endedAt);
      changed(task);
    }
  }
  const tasks = [...instances.values()].sort((a, b) =>
    a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : a.mapIndex - b.mapIndex,
  );
  await Promise.all(pendingCallbacks);
  await options.recordEnded?.({ execution, tasks, tries });
  const dagCall = dagCallbackFor(manifest.callbacks, execution.status, execution);
  if (dagCall !== undefined) {
    await callBack(
      dagCallbackMessage({ dagVersion: 'local', executionArn: execution.executionArn, ctx: options.ctx }, dagCall),
    );
  }
  return { execution, tasks, tries, callbacks };
}

/** States of an instance that has not ended (nor never begun: `none` stays, as Airflow leaves it). */
const UNFINISHED: ReadonlySet<TaskState> = new Set(['scheduled', 'queued', 'running', 'up_for_retry']);

/** A stopped run's instances that had begun and not ended are recorded `interrupted`, as the run is. */
function markUnfinishedInterrupted(instances: Iterable<TaskInstance>, now: number): void {
  for (const task of instances) {
    tryInterrupted(task, now);
    if (!UNFINISHED.has(task.state)) continue;
    task.state = 'interrupted';
    task.endedAt = now;
  }
}

/** The store a run's Distributed Maps use: the one given, or the local XCom store its in-process tries use. */
function distributedMapIo(options: Pick<LocalRunOptions, 'distributedMaps' | 'xcom'>): {
  distributedMaps?: DistributedMapIo;
} {
  if (options.distributedMaps !== undefined) return { distributedMaps: options.distributedMaps };
  return options.xcom instanceof LocalXComStore ? { distributedMaps: new LocalMapIo(options.xcom) } : {};
}
