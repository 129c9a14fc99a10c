import type { DagAlarms } from './alarms.ts';
import type { AssetSchedule } from './asset.ts';
import type { DagCallback, DagCallbackName, TaskCallback, TaskCallbackName } from './callbacks.ts';
import { DagGraph } from './dag-graph.ts';
import type { DeadlineAlert } from './deadline.ts';
import type { Duration } from './duration.ts';
import type { ParamsSpec, ParamValues } from './params.ts';
import type { TaskOptions } from './task-options.ts';
import { TaskScope } from './task-scope.ts';
import type { AnyTaskFunction } from './task-spec.ts';

/**
 * A schedule: a 5-field cron expression (`'0 6 * * 1-5'`), a preset (`'@daily'`), a rate (`'every 15 minutes'`,
 * `'rate(15 minutes)'`), or `null` for a DAG that only runs when triggered.
 */
export type Schedule = string | null;

export interface DagOptions<S extends ParamsSpec = ParamsSpec> {
  /** Stable id: letters, digits, `_`, `-`; it names the state machine and every run. */
  readonly id: string;
  readonly description?: string;
  /**
   * A time schedule, or assets (`[a, b]`, `a.or(b)`, `{ time: '@daily', assets: [a] }`: see `AssetSchedule`).
   * @default null (manual runs only)
   */
  readonly schedule?: Schedule | AssetSchedule;
  /** First logical date (ISO date or date-time; without an offset it is read in `timezone`). */
  readonly startDate?: string | Date;
  /** No run has a logical date after this. */
  readonly endDate?: string | Date;
  /** IANA time zone the schedule and `ds` are read in. @default 'UTC' */
  readonly timezone?: string;
  /** Run every interval missed since `startDate` (or the last run) when the DAG is deployed. @default false */
  readonly catchup?: boolean;
  readonly tags?: readonly string[];
  readonly owner?: string;
  /** Defaults for every task (retries, retryDelay, pool, …). */
  readonly defaultArgs?: TaskOptions;
  /** The schema of the `conf` a run accepts; defaults fill `ctx.params`. */
  readonly params?: S;
  /** Runs of this DAG at once; further triggers wait in a queue. @default 16 */
  readonly maxActiveRuns?: number;
  /** Tasks of this DAG running at once, across its runs. @default 16 */
  readonly maxActiveTasks?: number;
  /** A run that takes longer fails (the state machine's `TimeoutSeconds`). */
  readonly dagrunTimeout?: Duration;
  /**
   * A run that has not ended this long after a reference (its logical date, data interval end, or when it was
   * queued) has missed its deadline: recorded on the run, counted and alerted (Airflow 3.1's Deadline Alerts).
   */
  readonly deadline?: DeadlineAlert;
  /**
   * CloudWatch alarms on this DAG's own metrics (failed runs, deadline misses), made by dag-sync and wired to the
   * stack's alerts topic; none locally (see `DagAlarms`). @default no alarm of its own
   */
  readonly alarms?: DagAlarms;
  /** Task results larger than this many bytes are stored in S3 and passed by reference. @default 8192 */
  readonly xcomOffloadBytes?: number;
  /** Markdown shown with the DAG. */
  readonly doc?: string;
  /** Called once a run has ended `success` (after its state is recorded). */
  readonly onSuccess?: DagCallback<ParamValues<S>>;
  /** Called once a run has ended `failed` (a task failed, or `dagrunTimeout` ran out). */
  readonly onFailure?: DagCallback<ParamValues<S>>;
}

/**
 * A DAG: options plus the tasks declared on it. `P` is the type of `ctx.params`, inferred from `params`.
 *
 * ```ts
 * const etl = dag({ id: 'etl', schedule: '@daily', startDate: '2026-01-01' });
 * const raw = etl.task('extract', async (ctx) => fetchRows(ctx.ds));
 * etl.task('load', { inputs: { raw } }, async (ctx, { raw }) => save(raw));
 * export default etl;
 * ```
 */
export class Dag<P = Record<string, unknown>> extends TaskScope<P> {
  readonly id: string;
  readonly options: DagOptions;
  /** @internal what the DAG file declared, read by the compiler */
  readonly declared: DagGraph;

  constructor(options: DagOptions) {
    const graph = new DagGraph(typeof options?.id === 'string' ? options.id : String(options?.id));
    super(graph, '', [], options?.defaultArgs ?? {});
    this.id = graph.dagId;
    this.options = options;
    this.declared = graph;
  }

  override toString(): string {
    return `Dag(${this.id})`;
  }
}

/** Declares a DAG; `ctx.params` is typed from `params`. */
export function dag<const S extends ParamsSpec = Record<never, never>>(options: DagOptions<S>): Dag<ParamValues<S>> {
  // The callbacks' params type is what `params` declares; the stored options are read untyped by the compiler.
  return new Dag<ParamValues<S>>(options as unknown as DagOptions);
}

/** True for a `Dag`, also one made by another copy of the SDK module (a bundled DAG file may carry its own). */
export function isDag(value: unknown): value is Dag {
  if (value instanceof Dag) return true;
  const declared = (value as { declared?: { tasks?: unknown; edges?: unknown } } | null)?.declared;
  return declared?.tasks instanceof Map && Array.isArray(declared.edges);
}

/**
 * The DAGs a module exports: its default export first, then named exports and DAGs in exported arrays, each
 * once. Every place that loads a DAG file (the CLI, the local worker, dag-sync's evaluator, the cloud worker's
 * bundles) collects them this way.
 */
export function collectDags(module: Record<string, unknown>): Dag[] {
  const found: Dag[] = [];
  const add = (value: unknown) => {
    if (isDag(value) && !found.includes(value)) found.push(value);
    else if (Array.isArray(value)) for (const item of value) add(item);
  };
  add(module.default);
  for (const [name, value] of Object.entries(module)) if (name !== 'default') add(value);
  return found;
}

/**
 * @internal The function a worker calls for a task: a code task's, or a poll sensor's poke. Everything else a
 * worker needs comes from the compiled manifest; the DAG module is read only for its code.
 */
export function taskFunctionOf(dag: Dag, taskId: string): AnyTaskFunction | undefined {
  const spec = dag.declared.tasks.get(taskId)?.spec;
  return spec?.kind === 'code' || spec?.kind === 'poll_sensor' ? spec.fn : undefined;
}

/**
 * @internal The callback a worker calls: the DAG's own (`taskId` undefined) or a task's, from its resolved
 * options (`defaultArgs` applied). Which callbacks exist is in the compiled manifest; the module gives the code.
 */
export function callbackOf(
  dag: Dag,
  taskId: string | undefined,
  name: TaskCallbackName | DagCallbackName,
): TaskCallback | DagCallback | undefined {
  if (taskId === undefined) return name === 'onRetry' ? undefined : (dag.options[name] as DagCallback | undefined);
  const fn = (dag.declared.tasks.get(taskId)?.options as Record<string, unknown> | undefined)?.[name];
  return typeof fn === 'function' ? (fn as TaskCallback) : undefined;
}
