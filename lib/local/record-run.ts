import { resolve } from 'node:path';
import type { DagManifest } from '../compiler/manifest.ts';
import { RUN_STATE } from '../compiler/run-states.ts';
import type { RunContext } from '../compiler/worker-contract.ts';
import { deadlineAt } from '../schedule/index.ts';
import type { Dag } from '../sdk/dag.ts';
import { AwsServiceResources } from './aws-service-resources.ts';
import { Clock } from './clock.ts';
import { watchDeadline } from './deadline-watch.ts';
import type { ExecutionResult } from './interpreter.ts';
import type { LocalStore, RunRecord, TaskRecord } from './local-store.ts';
import { runDagLocally, type TaskInstance } from './run-dag.ts';
import type { LocalLimits } from './slot-limits.ts';
import { ProcessWorkerPool } from './worker-pool.ts';

export interface RecordedRun {
  readonly run: RunRecord;
  readonly tasks: TaskRecord[];
  readonly execution: ExecutionResult;
}

/**
 * Runs one DAG run in the local engine and keeps it in the local store: the run record first (so a killed
 * process leaves a run that is marked interrupted), then every try's log, the task instances and the final state.
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
  /** The run had not ended by its DAG's deadline (called once, as it is found; the run record holds it too). */
  readonly onDeadlineMiss?: (miss: { readonly deadline: Date; readonly at: Date }) => void;
}): Promise<RecordedRun> {
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
  };
  await store.saveRun(run);
  const spec = input.manifest?.deadline;
  const deadline = spec !== undefined ? deadlineAt(spec, { ...ctx, queuedAt: new Date(clock.now()) }) : undefined;
  // Saved when found (a run killed later still shows the miss); chained so saves never overlap.
  let saving: Promise<void> = Promise.resolve();
  const watch =
    deadline === undefined
      ? undefined
      : watchDeadline(deadline, clock, (at) => {
          run.deadline = deadline.toISOString();
          run.deadlineMissedAt = at.toISOString();
          input.onDeadlineMiss?.({ deadline, at });
          saving = saving.then(() => store.saveRun(run));
        });
  const pool = new ProcessWorkerPool({
    file: resolve(input.file),
    dagId: dag.id,
    size: input.maxActiveTasks,
    xcomRoot: resolve(store.root),
    ...(input.manifest !== undefined ? { tasks: input.manifest.tasks } : {}),
  });
  pool.warm();
  const onTaskChange = (task: TaskInstance) => {
    pool.observe(task);
    input.onTaskChange?.(task);
  };
  let result: Awaited<ReturnType<typeof runDagLocally>>;
  try {
    result = await runDagLocally({
      dag,
      ctx,
      clock,
      runTry: pool.run,
      ...(input.limits !== undefined ? { limits: input.limits } : {}),
      ...(AwsServiceResources.configured() ? { native: AwsServiceResources.fromEnvironment() } : {}),
      ...(input.signal !== undefined ? { signal: input.signal } : {}),
      onTaskChange,
    });
  } finally {
    watch?.end();
    await pool.close();
  }
  await saving;
  for (const attempt of result.tries) {
    const lines = [
      ...attempt.logs,
      ...(attempt.outcome.ok ? [] : [`${attempt.outcome.error}: ${attempt.outcome.cause}`]),
    ];
    await store.appendLog(dag.id, ctx.runId, attempt.taskId, attempt.mapIndex, attempt.tryNumber, lines);
  }
  const tasks = result.tasks.map(toTaskRecord);
  await store.saveTasks(dag.id, ctx.runId, tasks);
  run.state = RUN_STATE[result.execution.status];
  run.endedAt = new Date().toISOString();
  await store.saveRun(run);
  return { run, tasks, execution: result.execution };
}

function toTaskRecord(task: TaskInstance): TaskRecord {
  return {
    taskId: task.taskId,
    mapIndex: task.mapIndex,
    state: task.state,
    tries: task.tries,
    ...(task.startedAt !== undefined ? { startedAt: new Date(task.startedAt).toISOString() } : {}),
    ...(task.endedAt !== undefined ? { endedAt: new Date(task.endedAt).toISOString() } : {}),
    ...(task.startedAt !== undefined && task.endedAt !== undefined
      ? { durationMs: Math.round(task.endedAt - task.startedAt) }
      : {}),
    ...(task.output !== undefined ? { output: task.output } : {}),
    ...(task.error !== undefined ? { error: task.error } : {}),
    ...(task.reason !== undefined ? { reason: task.reason } : {}),
  };
}
