import { resolve } from 'node:path';
import type { AssetEvent } from '../assets/asset-event.ts';
import type { DagManifest } from '../compiler/manifest.ts';
import { RUN_STATE } from '../compiler/run-states.ts';
import type { RunContext } from '../compiler/worker-contract.ts';
import { deadlineCallbackMessage } from '../runtime/callback-messages.ts';
import { errorLogText } from '../runtime/readable-error.ts';
import { deadlineAt } from '../schedule/index.ts';
import type { Dag } from '../sdk/dag.ts';
import { AwsServiceResources } from './aws-service-resources.ts';
import { claimRun, type EarlierRun } from './claim-run.ts';
import { Clock } from './clock.ts';
import { CrossDagResources } from './cross-dag-resources.ts';
import type { WorkerTry } from './dag-resources.ts';
import { watchDeadline } from './deadline-watch.ts';
import type { ExecutionResult, TaskResources } from './interpreter.ts';
import { LiveTryLogs } from './live-try-logs.ts';
import { LocalAssetEvents } from './local-asset-events.ts';
import type { LocalDagTrigger } from './local-dag-trigger.ts';
import { LocalMapIo } from './local-map-io.ts';
import type { LocalStore, RunRecord, TaskRecord, TryTimesRecord } from './local-store.ts';
import { LocalXComStore } from './local-xcom-store.ts';
import { OutletEvents } from './outlet-events.ts';
import { type CalledBack, type LocalRunResult, runDagLocally, type TaskInstance, type TryKey } from './run-dag.ts';
import type { RunLock } from './run-lock.ts';
import { SavePacer } from './save-pacer.ts';
import type { LocalLimits } from './slot-limits.ts';
import type { TryTimes } from './try-times.ts';
import { ProcessWorkerPool } from './worker-pool.ts';

export interface RecordedRun {
  readonly run: RunRecord;
  readonly tasks: TaskRecord[];
  readonly execution: ExecutionResult;
  /** The asset events the run's tasks recorded (their outlets, as each succeeded). */
  readonly assetEvents: readonly AssetEvent[];
}

/**
 * Runs one DAG run in the local engine and keeps it in the local store: the run id's lock first (one process per
 * run id), the run record (so a killed process leaves a run that is marked interrupted), then as they change the
 * task instances and, as each try ends, its log, and at the end the final state.
 * Tries run in worker processes loaded from `file`, so a task that crashes its process fails only that try.
 * Shared by `airstep run`, `backfill` and `dev`.
 */
export async function runAndRecord(input: {
  readonly dag: Dag;
  /** The DAG file, as shown to the user; worker processes load it again. */
  readonly file: string;
  readonly ctx: RunContext;
  readonly store: LocalStore;
  readonly maxActiveTasks: number;
  /** DAG and pool slots shared by every run of this process (`backfill`, `dev`); default: this run's own. */
  readonly limits?: LocalLimits;
  readonly speed?: number;
  readonly signal?: AbortSignal;
  readonly onTaskChange?: (task: TaskInstance) => void;
  /**
   * The compiled DAG's manifest: worker processes are started ahead of the tasks that will use them, and the
   * DAG's deadline is watched (without a manifest, no deadline is).
   */
  readonly manifest?: DagManifest;
  /** A callback's time limit. @default CALLBACK_TIME_LIMIT_MS */
  readonly callbackTimeLimitMs?: number;
  /** The run had not ended by its DAG's deadline (called once, as it is found; the run record holds it too). */
  readonly onDeadlineMiss?: (miss: { readonly deadline: Date; readonly at: Date }) => void;
  /**
   * A cleared run (`airstep clear`, `ctx.clear` says what it keeps): the records of the instances it keeps, which
   * stay as they were (times, tries, output) instead of the new execution's instant answers.
   */
  readonly keptRecords?: readonly TaskRecord[];
  /** An earlier run of the same run id: refused (`RunExistsError`), replaced or kept. @default 'refuse' */
  readonly earlier?: EarlierRun;
  /** The run id's lock, when the caller took it already (`claimRun`, to refuse before it prints anything). */
  readonly claim?: RunLock;
  /** Answers the run's `triggerDag` steps (starts the other DAGs' runs); none: such a step fails saying so. */
  readonly trigger?: LocalDagTrigger;
}): Promise<RecordedRun> {
  const { dag, ctx, store } = input;
  const claim = input.claim ?? (await claimRun(store, { dagId: dag.id, runId: ctx.runId }, input.earlier ?? 'refuse'));
  try {
    return await recordClaimedRun(input);
  } finally {
    await claim.release();
  }
}

async function recordClaimedRun(input: Parameters<typeof runAndRecord>[0]): Promise<RecordedRun> {
  const { dag, ctx, store } = input;
  const speed = input.speed ?? 1;
  // One clock for the run and its deadline; the engine accepts the run now (the `queuedAt` reference).
  const clock = new Clock({ speed });
  const run: RunRecord = {
    dagId: dag.id,
    runId: ctx.runId,
    runType: ctx.runType,
    logicalDate: ctx.logicalDate,
    file: input.file,
    state: 'running',
    startedAt: new Date().toISOString(),
    conf: ctx.conf,
    pid: process.pid,
    clockSpeed: speed,
    ctx,
    ...(ctx.clear !== undefined ? { clears: ctx.clear.attempt } : {}),
  };
  // A cleared run keeps the tries its instances had before (Airflow's task instance history): the new tries add to
  // them. Read before this execution's first save replaces the records.
  const earlierTries =
    ctx.clear === undefined
      ? new Map<string, readonly TryTimesRecord[]>()
      : new Map(
          (await store.tasks(dag.id, ctx.runId)).map((record) => [
            `${record.taskId}#${record.mapIndex}`,
            record.tryTimes ?? [],
          ]),
        );
  const recordOf = (task: TaskInstance) =>
    toTaskRecord(task, clock, earlierTries.get(`${task.taskId}#${task.mapIndex}`) ?? []);
  function* recordsOf(instances: readonly TaskInstance[]): Generator<TaskRecord> {
    for (const task of instances) yield recordOf(task);
  }
  await store.saveRun(run);
  const spec = input.manifest?.deadline;
  const deadline = spec !== undefined ? deadlineAt(spec, { ...ctx, queuedAt: new Date(clock.now()) }) : undefined;
  const pool = new ProcessWorkerPool({
    file: resolve(input.file),
    dagId: dag.id,
    size: input.maxActiveTasks,
    xcomRoot: resolve(store.root),
    ...(input.manifest !== undefined ? { tasks: input.manifest.tasks } : {}),
    ...(input.callbackTimeLimitMs !== undefined ? { callbackTimeLimitMs: input.callbackTimeLimitMs } : {}),
  });
  pool.warm();
  // Saved when found (a run killed later still shows the miss); chained so saves never overlap.
  let saving: Promise<void> = Promise.resolve();
  let deadlineCalled: Promise<CalledBack> | undefined;
  const watch =
    deadline === undefined
      ? undefined
      : watchDeadline(deadline, clock, (at) => {
          run.deadline = deadline.toISOString();
          run.deadlineMissedAt = at.toISOString();
          input.onDeadlineMiss?.({ deadline, at });
          saving = saving.then(() => store.saveRun(run));
          // The DAG's deadline callback runs in the callback worker process, as the cloud's runs on a worker;
          // the run goes on meanwhile (the pool is closed only after it ended).
          if (input.manifest?.deadlineCallback === true) {
            const message = deadlineCallbackMessage(
              { dagVersion: 'local', executionArn: `local:${dag.id}:${ctx.runId}`, ctx },
              deadline.toISOString(),
            );
            deadlineCalled = pool.callback(message).then((called) => ({ message, ...called }));
          }
        });
  // Live states for `airstep tasks` on a running run: every change saved, chained after the saves before it (the
  // end's save waits for them, so it is the last). Changes that come while a save is queued join it: the save
  // takes its snapshot when its turn comes, so a map of n items does not write n times (n snapshots of n records
  // each held in memory at once); its turn is paced (save-pacer.ts), so the records written grow linearly with
  // the items. Records are made as they are written, a slice at a time: a map's n records are never all held
  // (an instance changing during a long save is written as it is when its slice is made).
  const live = new Map<string, TaskInstance>();
  const pacer = new SavePacer();
  let tasksSaveQueued = false;
  const outlets =
    input.manifest !== undefined ? new OutletEvents(input.manifest, ctx, new LocalAssetEvents(store.root)) : undefined;
  const onTaskChange = (task: TaskInstance) => {
    const outletWrite = outlets?.changed(task, new Date());
    if (outletWrite !== undefined) saving = saving.then(() => outletWrite);
    pool.observe(task);
    input.onTaskChange?.(task);
    live.set(`${task.taskId}#${task.mapIndex}`, task);
    queueTasksSave();
  };
  const queueTasksSave = () => {
    if (tasksSaveQueued) return;
    tasksSaveQueued = true;
    saving = saving.then(async () => {
      await pacer.turn();
      tasksSaveQueued = false;
      const snapshot = [...live.values()];
      await pacer.save(() => store.saveTasks(dag.id, ctx.runId, recordsOf(snapshot)));
    });
  };
  // A running try's lines are appended to its log as they come (the log grows while it runs); as the try ends,
  // its whole log is written over them in the chain, before the record that says it ended (a killed engine keeps
  // the whole logs of the tries that had ended and the lines so far of those that had not).
  const growing = new LiveTryLogs(store);
  const logged = new Set<string>();
  const onTryLog = (attempt: TryKey, lines: readonly string[]) => {
    growing.add({ dagId: dag.id, runId: ctx.runId, ...attempt }, lines);
  };
  const onTryEnded = (attempt: WorkerTry) => {
    outlets?.tried(attempt);
    logged.add(`${attempt.taskId}#${attempt.mapIndex}`);
    const lines = [
      ...attempt.logs,
      ...(attempt.outcome.ok ? [] : [errorLogText(attempt.outcome.error, attempt.outcome.cause)]),
    ];
    const key = { dagId: dag.id, runId: ctx.runId, ...tryKeyOf(attempt) };
    saving = saving.then(async () => {
      await growing.end(key);
      await store.writeTryLog(key, lines);
    });
    // The try's end (its tries count and times, set as this returns) is saved after its log, even when its
    // instance's state does not change with it (a retry follows after a delay).
    queueTasksSave();
  };
  let tasks: TaskRecord[] = [];
  // The run is recorded before the DAG's callback runs (and task callbacks have ended by then).
  const recordEnded = async (ended: Omit<LocalRunResult, 'callbacks'>) => {
    // The run has ended: a deadline passing while the DAG's callback runs is no miss; a miss's save goes first.
    watch?.end();
    pacer.hurry();
    // Tries the run's stop interrupted keep the lines they logged.
    await growing.endAll();
    await saving;
    // A native step (S3, DynamoDB, SQS… called by the engine itself) has no worker to log: its error is its log,
    // so `airstep logs` says why it failed.
    for (const task of ended.tasks) {
      if (task.error === undefined || logged.has(`${task.taskId}#${task.mapIndex}`)) continue;
      const lines = [errorLogText(task.error, task.cause)];
      await store.appendLog(dag.id, ctx.runId, task.taskId, task.mapIndex, Math.max(task.tries, 1), lines);
    }
    tasks = keepRecords(ended.tasks.map(recordOf), input.keptRecords ?? []);
    await store.saveTasks(dag.id, ctx.runId, tasks);
    run.state = RUN_STATE[ended.execution.status];
    run.endedAt = new Date().toISOString();
    await store.saveRun(run);
  };
  let result: LocalRunResult;
  try {
    result = await runDagLocally({
      dag,
      ctx,
      clock,
      runTry: pool.run,
      runCallback: pool.callback,
      // Distributed Maps read and write where the worker processes keep XCom.
      distributedMaps: new LocalMapIo(new LocalXComStore(resolve(store.root))),
      ...(input.limits !== undefined ? { limits: input.limits } : {}),
      ...nativeResources(store, input.trigger),
      ...(input.signal !== undefined ? { signal: input.signal } : {}),
      onTaskChange,
      onTryEnded,
      onTryLog,
      recordEnded,
    });
  } finally {
    watch?.end();
    const deadlineCall = await deadlineCalled?.catch(() => undefined);
    await pool.close();
    if (deadlineCall !== undefined) await logCallbacks(store, [deadlineCall]);
  }
  await saving;
  await logCallbacks(store, result.callbacks);
  return { run, tasks, execution: result.execution, assetEvents: outlets?.events ?? [] };
}

/**
 * A task callback's log lines go to the log of the try it was called for; a callback that did not end well is
 * also written to stderr with its DAG, run and task (it changed no state).
 */
async function logCallbacks(store: LocalStore, called: readonly CalledBack[]): Promise<void> {
  for (const { message, result, logs } of called) {
    if (result.status !== 'called') console.error(`airstep: callback ${message.callback.name}: ${result.message}`);
    const { callback } = message;
    if (callback.of !== 'task') continue;
    const lines = [...logs, `callback ${callback.name}: ${result.status}`];
    await store.appendLog(
      message.dagId,
      message.ctx.runId,
      callback.taskId,
      callback.mapIndex,
      callback.tryNumber,
      lines,
    );
  }
}

/** A cleared run's kept instances keep their records; the others take the new execution's. */
function keepRecords(records: readonly TaskRecord[], kept: readonly TaskRecord[]): TaskRecord[] {
  const key = (record: TaskRecord) => `${record.taskId}\u0000${record.mapIndex}`;
  const keep = new Map(kept.map((record) => [key(record), record]));
  const merged = records.map((record) => keep.get(key(record)) ?? record);
  // A kept item of a mapped task took no try in the new execution, so the engine has no instance of it.
  const present = new Set(merged.map(key));
  return [...merged, ...kept.filter((record) => !present.has(key(record)))].sort(
    (a, b) => a.taskId.localeCompare(b.taskId) || a.mapIndex - b.mapIndex,
  );
}

/**
 * A task instance as the store keeps it, its times on the wall clock: under `--speed` the engine's clock runs
 * ahead, and a record on it would show a 3 s run with a task of minutes that ends after its run.
 */
function toTaskRecord(task: TaskInstance, clock: Clock, earlier: readonly TryTimesRecord[]): TaskRecord {
  const startedAt = task.startedAt !== undefined ? clock.wallTime(task.startedAt) : undefined;
  const endedAt = task.endedAt !== undefined ? clock.wallTime(task.endedAt) : undefined;
  const queuedAt = task.queuedAt !== undefined ? clock.wallTime(task.queuedAt) : undefined;
  return {
    taskId: task.taskId,
    mapIndex: task.mapIndex,
    state: task.state,
    tries: task.tries,
    ...(queuedAt !== undefined ? { queuedAt: new Date(queuedAt).toISOString() } : {}),
    ...(startedAt !== undefined ? { startedAt: new Date(startedAt).toISOString() } : {}),
    ...(endedAt !== undefined ? { endedAt: new Date(endedAt).toISOString() } : {}),
    ...(startedAt !== undefined && endedAt !== undefined ? { durationMs: Math.round(endedAt - startedAt) } : {}),
    ...(task.output !== undefined ? { output: task.output } : {}),
    ...(task.error !== undefined ? { error: task.error } : {}),
    ...(task.errorMessage !== undefined ? { errorMessage: task.errorMessage } : {}),
    ...(task.reason !== undefined ? { reason: task.reason } : {}),
    ...tryTimesOf(task, clock, earlier),
  };
}

/** The instance's tries: those it had before a clear, then this execution's. */
function tryTimesOf(task: TaskInstance, clock: Clock, earlier: readonly TryTimesRecord[]) {
  const now = (task.tryTimes ?? []).map((entry) => toTryTimesRecord(entry, clock));
  const first = now[0]?.try ?? Number.POSITIVE_INFINITY;
  const tries = [...earlier.filter((entry) => entry.try < first), ...now];
  return tries.length > 0 ? { tryTimes: tries } : {};
}

function toTryTimesRecord(entry: TryTimes, clock: Clock): TryTimesRecord {
  const wall = (at: number | undefined) => (at !== undefined ? new Date(clock.wallTime(at)).toISOString() : undefined);
  const queuedAt = wall(entry.queuedAt);
  const startedAt = wall(entry.startedAt);
  const endedAt = wall(entry.endedAt);
  return {
    try: entry.try,
    state: entry.state,
    ...(queuedAt !== undefined ? { queuedAt } : {}),
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(endedAt !== undefined ? { endedAt } : {}),
    ...(entry.errorMessage !== undefined ? { errorMessage: entry.errorMessage } : {}),
  };
}

function tryKeyOf(attempt: WorkerTry): TryKey {
  return { taskId: attempt.taskId, mapIndex: attempt.mapIndex, tryNumber: attempt.tryNumber };
}

/**
 * Native steps: the real service or an emulator when configured; the cross-DAG steps' reads of the run tables go
 * to the local store whatever is configured (the other DAGs' runs are the project's local runs).
 */
function nativeResources(store: LocalStore, trigger: LocalDagTrigger | undefined): { native: TaskResources } {
  const aws = AwsServiceResources.configured() ? AwsServiceResources.fromEnvironment() : undefined;
  return { native: new CrossDagResources(store, aws, trigger) };
}
