import { resolveParams } from '../../runtime/params.ts';
import type { UiActionAnswer, UiConfProblem, UiDag, UiDagsAnswer, UiRun, UiTaskInstance } from '../../web/api.ts';
import { executionConsoleUrl } from '../console-url.ts';
import type { RunHistory, RunSummary, TaskInstanceSummary } from '../history/run-history.ts';
import { upstreamFirst } from './task-order.ts';
import type { ListedDag, UiPlace } from './ui-place.ts';

const RECENT_RUNS = 10;

/**
 * What `airstep ui`'s server answers, for one place (this machine or a deployed stack): DAGs with their newest runs,
 * the grid, a run's task instances, a try's log, the params check, and the actions, each as the place does it.
 */
export class UiSource {
  constructor(private readonly place: UiPlace) {}

  get name(): string {
    return this.place.name;
  }

  async dags(): Promise<UiDagsAnswer> {
    const { dags, importErrors } = await this.place.listDags();
    const history = await this.place.history();
    const withRuns = await Promise.all(dags.map((dag) => withRecentRuns(dag, history)));
    return { source: this.place.name, dags: withRuns, importErrors };
  }

  /** One DAG (every API call under `/api/dags/<dag>` asks): its own runs are read, no other DAG's. */
  async dag(dagId: string): Promise<UiDag | undefined> {
    const listed = await this.listed(dagId);
    return listed === undefined ? undefined : withRecentRuns(listed, await this.place.history());
  }

  /** The DAG's newest `count` runs, oldest first (the grid's columns), with each run's task instances. */
  async grid(dagId: string, count: number): Promise<{ runs: UiRun[]; instances: Record<string, UiTaskInstance[]> }> {
    const history = await this.place.history();
    const runs = (await history.runs(dagId)).slice(0, count).reverse();
    const instances = await Promise.all(
      runs.map(async (run) => [run.runId, (await history.tasks(run)).map(uiInstance)] as const),
    );
    return { runs: runs.map(uiRun), instances: Object.fromEntries(instances) };
  }

  /** The run whose id is exactly `runId`: as the page shows it, and as the history found it (for `instances`). */
  async run(dagId: string, runId: string): Promise<{ view: UiRun; found: RunSummary } | undefined> {
    const found = await this.findRun(dagId, runId);
    return found === undefined ? undefined : { view: uiRun(found), found };
  }

  /**
   * A run's task instances (the run as `run` found it, so a view's poll looks the run up once), each with what it
   * returned (XCom) where the place keeps that apart.
   */
  async instances(run: RunSummary): Promise<UiTaskInstance[]> {
    const history = await this.place.history();
    const [tasks, results] = await Promise.all([history.tasks(run), history.results?.(run)]);
    return tasks.map((task) => {
      const output = results?.get(`${task.taskId}#${task.mapIndex}`);
      return output !== undefined && !('output' in task) ? { ...uiInstance(task), output } : uiInstance(task);
    });
  }

  /** The try's log so far; empty while it has logged nothing. */
  async log(tags: { dagId: string; runId: string; taskId: string; mapIndex: number; tryNumber: number }) {
    return (await (await this.place.logs()).read(tags))?.text ?? '';
  }

  /** The trigger's own check of a conf against the DAG's params (defaults filled in), every problem by field. */
  async checkConf(dagId: string, conf: Record<string, unknown>): Promise<UiConfProblem[] | undefined> {
    const dag = await this.listed(dagId);
    if (dag === undefined) return undefined;
    const checked = resolveParams(dag.params, conf);
    return checked.ok ? [] : [...checked.problems];
  }

  /** Starts a run once its conf passed the check (the trigger checks again: the page is not trusted). */
  async trigger(
    dagId: string,
    request: { conf?: Record<string, unknown>; logicalDate?: string },
  ): Promise<UiActionAnswer> {
    const dag = await this.listed(dagId);
    if (dag === undefined) return { ok: false, error: `no DAG '${dagId}' in ${this.place.name}` };
    const checked = resolveParams(dag.params, request.conf ?? {});
    if (!checked.ok) {
      const problems = [...checked.problems];
      return { ok: false, error: problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems };
    }
    return this.place.trigger(dag, request);
  }

  clear(dagId: string, runId: string, request: { taskId?: string; downstream?: boolean }): Promise<UiActionAnswer> {
    return this.place.clear(dagId, runId, request);
  }

  mark(
    dagId: string,
    runId: string,
    request: { taskId: string; mapIndex: number; state: 'success' | 'failed' },
  ): Promise<UiActionAnswer> {
    return this.place.mark(dagId, runId, request);
  }

  pause(dagId: string, paused: boolean): Promise<UiActionAnswer> {
    return this.place.pause(dagId, paused);
  }

  private async listed(dagId: string): Promise<ListedDag | undefined> {
    return (await this.place.listDags()).dags.find((dag) => dag.dagId === dagId);
  }

  /** The run whose id is exactly `runId` (a prefix names none here: the page only links whole ids). */
  private async findRun(dagId: string, runId: string): Promise<RunSummary | undefined> {
    const history = await this.place.history();
    return (await history.findRuns(runId, dagId)).find((run) => run.runId === runId && run.dagId === dagId);
  }
}

async function withRecentRuns(dag: ListedDag, history: RunHistory): Promise<UiDag> {
  const runs = (await history.runs(dag.dagId)).slice(0, RECENT_RUNS);
  return {
    dagId: dag.dagId,
    file: dag.file,
    schedule: dag.schedule,
    timezone: dag.timezone,
    ...(dag.assets !== undefined ? { assets: dag.assets } : {}),
    tags: dag.tags,
    ...(dag.owner !== undefined ? { owner: dag.owner } : {}),
    ...(dag.description !== undefined ? { description: dag.description } : {}),
    ...(dag.doc !== undefined ? { doc: dag.doc } : {}),
    paused: dag.paused,
    nextRun: dag.nextRun,
    recentRuns: runs.map((run) => ({ runId: run.runId, state: run.state })),
    params: dag.params as UiDag['params'],
    tasks: upstreamFirst(dag.graph.tasks),
    groups: dag.graph.groups,
  };
}

/** A run as the page shows it; a deployed run links its Step Functions console page. */
function uiRun(run: RunSummary): UiRun {
  const conf = (run as { conf?: Readonly<Record<string, unknown>> }).conf;
  const consoleUrl = run.executionArn !== undefined ? executionConsoleUrl(run.executionArn) : undefined;
  return {
    dagId: run.dagId,
    runId: run.runId,
    state: run.state,
    ...(run.logicalDate !== undefined ? { logicalDate: run.logicalDate } : {}),
    ...(run.startedAt !== undefined ? { startedAt: run.startedAt } : {}),
    ...(run.endedAt !== undefined ? { endedAt: run.endedAt } : {}),
    ...(run.note !== undefined ? { note: run.note } : {}),
    ...(conf !== undefined ? { conf } : {}),
    ...(consoleUrl !== undefined ? { consoleUrl } : {}),
  };
}

/** A task instance as the adapter recorded it (every field it has: the task view shows what is there). */
function uiInstance(task: TaskInstanceSummary): UiTaskInstance {
  return { ...task };
}
