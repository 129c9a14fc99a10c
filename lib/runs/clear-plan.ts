import type { DagManifest } from '../compiler/manifest.ts';
import type { TaskState } from '../compiler/run-states.ts';
import { type ClearedRun, instanceKey, type KeptAnswer } from '../compiler/worker-contract.ts';

/** A task instance of the ended run, as the local store or the task-instances table keeps it. */
export interface ClearedInstance {
  readonly taskId: string;
  readonly mapIndex: number;
  readonly state: TaskState;
  readonly tries?: number;
  readonly output?: unknown;
  readonly reason?: string;
  readonly error?: string;
}

export interface ClearChoice {
  /** `--task`: the tasks whose ids match (any state, as `airflow tasks clear -t`); unset: every task. */
  readonly task?: RegExp;
  /** `--downstream`: every task downstream of a chosen one too (any state). */
  readonly downstream?: boolean;
  /** `--failed`: only chosen instances that failed (default: failed, upstream_failed and interrupted without `--task`). */
  readonly onlyFailed?: boolean;
  /**
   * The run whole, kept nothing (a backfill's `--reprocess`, as Airflow's reprocessing clears the run): every
   * instance, and no refusal when the run has none (it failed before any task ran). The other choices are unused.
   */
  readonly wholeRun?: boolean;
}

export type ClearPlan =
  | {
      readonly ok: true;
      /** The instances cleared, by key (`task` or `task[i]`), sorted. */
      readonly cleared: readonly string[];
      /** The keep list the new execution carries in its context. */
      readonly clear: ClearedRun;
    }
  | { readonly ok: false; readonly message: string };

/**
 * Task kinds a new execution can keep: a code task's worker answers it with its kept result; an empty task does
 * nothing when it runs again. Every other kind (native AWS calls, sensors, waits, latest-only, containers) would
 * run again, so a clear that keeps one that succeeded is refused rather than silently repeating its effect.
 */
const KEEPABLE_KINDS: ReadonlySet<string> = new Set(['code', 'empty']);

/**
 * Airflow's Clear, as a pure decision over an ended run's task instances: which instances run again (the chosen
 * ones and, with `downstream`, everything downstream of them) and what the new execution keeps (every other
 * instance that succeeded, skipped itself or failed, with its result). Instances that were never run by a worker
 * (upstream_failed, skipped by a branch or trigger rule, never reached) have nothing to keep: the state machine
 * decides them again when it reaches them.
 */
export function clearPlan(input: {
  readonly manifest: Pick<DagManifest, 'dagId' | 'tasks'>;
  readonly instances: readonly ClearedInstance[];
  readonly choice: ClearChoice;
  /** How many clears the run had before this one. */
  readonly previousClears: number;
}): ClearPlan {
  const { manifest, instances, choice } = input;
  const where = `dag ${manifest.dagId}`;
  if (choice.wholeRun === true) {
    return {
      ok: true,
      cleared: [...new Set(instances.map((instance) => instanceKey(instance.taskId, instance.mapIndex)))].sort(),
      clear: { attempt: input.previousClears + 1, kept: {}, priorTries: priorTriesOf(instances) },
    };
  }
  const chosenTasks = new Set(
    manifest.tasks.filter((task) => choice.task === undefined || choice.task.test(task.id)).map((task) => task.id),
  );
  if (chosenTasks.size === 0) return { ok: false, message: `${where}: --task ${choice.task} matches no task` };
  const wanted: readonly TaskState[] = choice.onlyFailed
    ? ['failed']
    : choice.task === undefined
      ? // `interrupted` (local only): a run stopped by a signal is cleared to finish what it began.
        ['failed', 'upstream_failed', 'interrupted']
      : [];
  const chosen = (instance: ClearedInstance) =>
    chosenTasks.has(instance.taskId) && (wanted.length === 0 || wanted.includes(instance.state));
  const clearedTasks = new Set(instances.filter(chosen).map((instance) => instance.taskId));
  const downstreamTasks = choice.downstream === true ? downstreamOf(manifest, clearedTasks) : new Set<string>();
  const brought = setupsAndTeardownsOf(manifest, new Set([...clearedTasks, ...downstreamTasks]));
  const cleared = instances.filter(
    (instance) => chosen(instance) || downstreamTasks.has(instance.taskId) || brought.has(instance.taskId),
  );
  if (cleared.length === 0) {
    const which = choice.onlyFailed
      ? 'failed '
      : choice.task === undefined
        ? 'failed, upstream_failed or interrupted '
        : '';
    return {
      ok: false,
      message: `${where}: no ${which}task instance to clear${choice.task !== undefined ? ` among tasks matching ${choice.task}` : ''}`,
    };
  }
  const clearedKeys = new Set(cleared.map((instance) => instanceKey(instance.taskId, instance.mapIndex)));
  // A mapped task's own record (map index -1) is its items' summary: it is cleared when one of its items is.
  for (const instance of cleared) if (instance.mapIndex >= 0) clearedKeys.add(instance.taskId);

  const kinds = new Map(manifest.tasks.map((task) => [task.id, task.kind]));
  const kept: Record<string, KeptAnswer> = {};
  const outletsRecorded = keptEmptyOutlets(manifest, instances, clearedKeys);
  for (const instance of instances) {
    const key = instanceKey(instance.taskId, instance.mapIndex);
    if (clearedKeys.has(key)) continue;
    const answer = keptAnswer(instance);
    if (answer === undefined) continue;
    const kind = kinds.get(instance.taskId);
    if (kind === undefined) {
      return {
        ok: false,
        message: `${where} › task ${instance.taskId}: the DAG no longer has this task; clear the run whole (--task '.*')`,
      };
    }
    if (instance.state === 'success' && !KEEPABLE_KINDS.has(kind)) {
      return {
        ok: false,
        message:
          `${where} › task ${instance.taskId}: a ${kind} step that succeeded cannot be kept (a new execution would ` +
          `run it again); clear it too, e.g. --task '^${instance.taskId}$' --downstream`,
      };
    }
    if (kind === 'code') kept[key] = answer;
  }
  return {
    ok: true,
    cleared: [...clearedKeys].filter((key) => instances.some((i) => instanceKey(i.taskId, i.mapIndex) === key)).sort(),
    clear: {
      attempt: input.previousClears + 1,
      kept,
      priorTries: priorTriesOf(instances),
      ...(Object.keys(outletsRecorded).length > 0 ? { outletsRecorded } : {}),
    },
  };
}

/**
 * The kept `empty` tasks that succeeded with outlets, by payload key: their events were recorded by the execution
 * that ran them, and their event ids are per execution, so the new one passes their outlets state by
 * (lib/compiler/kept-outlets.ts). Code tasks need nothing: their ids hold the try number their kept answer repeats.
 */
function keptEmptyOutlets(
  manifest: Pick<DagManifest, 'tasks'>,
  instances: readonly ClearedInstance[],
  clearedKeys: ReadonlySet<string>,
): Record<string, true> {
  const recorded: Record<string, true> = {};
  const byId = new Map(manifest.tasks.map((task) => [task.id, task]));
  for (const instance of instances) {
    const task = byId.get(instance.taskId);
    if (task === undefined || task.kind !== 'empty' || (task.outlets ?? []).length === 0) continue;
    if (instance.state !== 'success' || clearedKeys.has(instanceKey(instance.taskId, instance.mapIndex))) continue;
    recorded[task.key] = true;
  }
  return recorded;
}

/** Each instance's tries so far, by instance key, so that try numbers go on after a clear. */
function priorTriesOf(instances: readonly ClearedInstance[]): Record<string, number> {
  const priorTries: Record<string, number> = {};
  for (const instance of instances) {
    if ((instance.tries ?? 0) > 0) priorTries[instanceKey(instance.taskId, instance.mapIndex)] = instance.tries!;
  }
  return priorTries;
}

/** What a kept instance answers: its result, or the reason it skipped itself; undefined: nothing to keep. */
function keptAnswer(instance: ClearedInstance): KeptAnswer | undefined {
  const tries = Math.max(1, instance.tries ?? 1);
  if (instance.state === 'success') return { state: 'success', output: instance.output ?? null, try: tries };
  // A task skipped by a branch or a trigger rule never ran: the state machine skips it again on the same path.
  if (instance.state === 'skipped' && instance.reason !== undefined) {
    return { state: 'skipped', reason: instance.reason, try: tries };
  }
  if (instance.state === 'failed') return { state: 'failed', error: instance.error ?? 'failed', try: tries };
  return undefined;
}

/**
 * The setups and teardowns a clear of `tasks` re-runs too, by Airflow's rule for setups and teardowns ("if you clear a task, its
 * setups and teardowns will be cleared"): a cleared work task brings the setups upstream of it whose resource it
 * uses (a setup with a teardown downstream of the task, or with no teardown at all) and those setups' teardowns;
 * a cleared setup brings its teardowns; a cleared teardown brings nothing. So a re-run task finds its resource
 * made again, and the resource is torn down again after it.
 */
export function setupsAndTeardownsOf(manifest: Pick<DagManifest, 'tasks'>, tasks: ReadonlySet<string>): Set<string> {
  const teardownsOf = new Map<string, string[]>();
  for (const task of manifest.tasks) {
    for (const setup of task.teardownOf ?? []) teardownsOf.set(setup, [...(teardownsOf.get(setup) ?? []), task.id]);
  }
  const byId = new Map(manifest.tasks.map((task) => [task.id, task]));
  const result = new Set<string>();
  for (const id of tasks) {
    const task = byId.get(id);
    if (task === undefined || task.teardownOf !== undefined) continue;
    if (task.setup === true) {
      for (const teardown of teardownsOf.get(id) ?? []) result.add(teardown);
      continue;
    }
    const below = downstreamOf(manifest, new Set([id]));
    for (const ancestor of upstreamOf(manifest, id)) {
      if (byId.get(ancestor)?.setup !== true) continue;
      const teardowns = teardownsOf.get(ancestor) ?? [];
      if (teardowns.length > 0 && !teardowns.some((teardown) => below.has(teardown))) continue;
      result.add(ancestor);
      for (const teardown of teardowns) result.add(teardown);
    }
  }
  return result;
}

/** Every task upstream of `id` (not `id` itself). */
function upstreamOf(manifest: Pick<DagManifest, 'tasks'>, id: string): Set<string> {
  return reachable(new Map(manifest.tasks.map((task) => [task.id, task.upstream])), [id]);
}

/** Every task downstream of `from` (not `from` itself), through the manifest's upstream edges. */
function downstreamOf(manifest: Pick<DagManifest, 'tasks'>, from: ReadonlySet<string>): Set<string> {
  const children = new Map<string, string[]>();
  for (const task of manifest.tasks) {
    for (const parent of task.upstream) children.set(parent, [...(children.get(parent) ?? []), task.id]);
  }
  return reachable(children, from);
}

/** Every node reached from `from` along `edges` (not `from` itself, unless a cycle leads back). */
function reachable(edges: ReadonlyMap<string, readonly string[]>, from: Iterable<string>): Set<string> {
  const found = new Set<string>();
  const queue = [...from];
  while (queue.length > 0) {
    for (const next of edges.get(queue.pop()!) ?? []) {
      if (found.has(next)) continue;
      found.add(next);
      queue.push(next);
    }
  }
  return found;
}
