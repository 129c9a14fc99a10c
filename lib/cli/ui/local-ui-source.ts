import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AirstepError } from '../../errors/airstep-error.ts';
import { LocalRunHistory } from '../../local/local-run-history.ts';
import { LocalStore, type RunRecord, type TaskRecord } from '../../local/local-store.ts';
import { LocalTaskLogs } from '../../local/local-task-logs.ts';
import { resolveParams } from '../../runtime/params.ts';
import type { ParamSpec } from '../../sdk/params.ts';
import type { UiActionAnswer, UiConfProblem, UiDag, UiDagsAnswer, UiRun, UiTaskInstance } from '../../web/api.ts';
import { runCli } from './cli-process.ts';
import { upstreamFirst } from './task-order.ts';

/** What `airstep list --json` prints of a DAG (the fields the UI reads). */
type ListedDag = Pick<
  UiDag,
  'dagId' | 'file' | 'schedule' | 'timezone' | 'tags' | 'owner' | 'description' | 'doc' | 'paused' | 'nextRun'
> & {
  readonly params: Readonly<Record<string, ParamSpec>>;
  readonly graph: { readonly tasks: UiDag['tasks']; readonly groups: readonly string[] };
};

const RECENT_RUNS = 10;
/** How often the store is opened afresh (runs whose engine died marked interrupted). */
const RECOVER_MS = 10_000;

/**
 * The UI's view of this machine: DAGs as `airstep list --json` lists them (run as a command, again whenever a DAG
 * file or helper changed), runs, task instances and logs from the local store through the ports `runs`, `tasks` and
 * `logs` read, and every action as the CLI command that does it.
 */
export class LocalUiSource {
  readonly source = 'local';
  private opened: { at: number; history: Promise<LocalRunHistory> } | undefined;
  private listed:
    | { signature: string; answer: Promise<{ dags: ListedDag[]; importErrors: UiDagsAnswer['importErrors'] }> }
    | undefined;

  constructor(
    /** The project folder: where `.airstep/` is and the commands run. */
    private readonly cwd: string,
    /** DAG files or folders, as `airstep list` takes them. */
    private readonly paths: readonly string[],
  ) {}

  async dags(): Promise<UiDagsAnswer> {
    const { dags, importErrors } = await this.list();
    const history = await this.history();
    const withRuns = await Promise.all(dags.map((dag) => this.withRecentRuns(dag, history)));
    return { source: this.source, dags: withRuns, importErrors };
  }

  /** One DAG (every API call under `/api/dags/<dag>` asks): its own runs are read, no other DAG's. */
  async dag(dagId: string): Promise<UiDag | undefined> {
    const listed = (await this.list()).dags.find((dag) => dag.dagId === dagId);
    return listed === undefined ? undefined : this.withRecentRuns(listed, await this.history());
  }

  private async withRecentRuns(dag: ListedDag, history: LocalRunHistory): Promise<UiDag> {
    const runs = (await history.runs(dag.dagId)).slice(0, RECENT_RUNS);
    return uiDag(
      dag,
      runs.map((run) => ({ runId: run.runId, state: run.state })),
    );
  }

  /**
   * The store as the CLI reads it. Opening it marks runs whose engine is gone as interrupted, which reads every run
   * of every DAG: done at most every RECOVER_MS, not on each of the page's requests (a view asks every 2 s).
   */
  private history(): Promise<LocalRunHistory> {
    const now = Date.now();
    if (this.opened === undefined || now - this.opened.at > RECOVER_MS) {
      const history = LocalRunHistory.open(this.store());
      this.opened = { at: now, history };
      history.catch(() => {
        if (this.opened?.history === history) this.opened = undefined;
      });
    }
    return this.opened.history;
  }

  /** The DAG's newest `count` runs, oldest first (the grid's columns), with each run's task instances. */
  async grid(dagId: string, count: number): Promise<{ runs: UiRun[]; instances: Record<string, UiTaskInstance[]> }> {
    const history = await this.history();
    const runs = (await history.runs(dagId)).slice(0, count).reverse();
    const instances = await Promise.all(
      runs.map(async (run) => [run.runId, (await history.tasks(run)).map(uiInstance)] as const),
    );
    return { runs: runs.map(uiRun), instances: Object.fromEntries(instances) };
  }

  async run(dagId: string, runId: string): Promise<UiRun | undefined> {
    const history = await this.history();
    const found = (await history.runs(dagId)).find((run) => run.runId === runId);
    return found === undefined ? undefined : uiRun(found);
  }

  async instances(dagId: string, runId: string): Promise<UiTaskInstance[]> {
    const history = await this.history();
    return (await history.tasks({ dagId, runId })).map(uiInstance);
  }

  async log(key: {
    dagId: string;
    runId: string;
    taskId: string;
    mapIndex: number;
    tryNumber: number;
  }): Promise<string> {
    return (await new LocalTaskLogs(this.store()).read(key))?.text ?? '';
  }

  /** The trigger's own check of a conf against the DAG's params (defaults filled in), every problem by field. */
  async checkConf(dagId: string, conf: Record<string, unknown>): Promise<UiConfProblem[] | undefined> {
    const dag = (await this.list()).dags.find((listed) => listed.dagId === dagId);
    if (dag === undefined) return undefined;
    const checked = resolveParams(dag.params, conf);
    return checked.ok ? [] : [...checked.problems];
  }

  /** `airstep run <file> --dag <id> [--date] [--conf]`: answers once the run has its id (or was refused). */
  async trigger(
    dagId: string,
    request: { conf?: Record<string, unknown>; logicalDate?: string },
  ): Promise<UiActionAnswer> {
    const dag = (await this.list()).dags.find((listed) => listed.dagId === dagId);
    if (dag === undefined) return { ok: false, error: `no DAG '${dagId}' in ${this.paths.join(', ')}` };
    const problems = await this.checkConf(dagId, request.conf ?? {});
    if (problems !== undefined && problems.length > 0) {
      return { ok: false, error: problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems };
    }
    const args = ['run', dag.file, '--dag', dagId];
    if (request.logicalDate !== undefined && request.logicalDate !== '') args.push('--date', request.logicalDate);
    const conf =
      request.conf !== undefined && Object.keys(request.conf).length > 0 ? await confArgument(request.conf) : undefined;
    if (conf !== undefined) args.push('--conf', conf.argument);
    const command = runCli(this.cwd, args);
    if (conf !== undefined) void command.exited.then(conf.remove);
    return started(command, dagId);
  }

  /** `airstep clear <run> --dag <id> [--task ^id$] [--downstream]`: answers once the new attempt started. */
  async clear(
    dagId: string,
    runId: string,
    request: { taskId?: string; downstream?: boolean },
  ): Promise<UiActionAnswer> {
    const args = ['clear', runId, '--dag', dagId];
    if (request.taskId !== undefined) args.push('--task', `^${escapeRegExp(request.taskId)}$`);
    if (request.downstream === true) args.push('--downstream');
    return started(runCli(this.cwd, args), dagId);
  }

  /** `airstep mark <run> <task>[<index>] success|failed --dag <id>`. */
  async mark(
    dagId: string,
    runId: string,
    request: { taskId: string; mapIndex: number; state: 'success' | 'failed' },
  ): Promise<UiActionAnswer> {
    const instance = request.mapIndex >= 0 ? `${request.taskId}[${request.mapIndex}]` : request.taskId;
    const command = runCli(this.cwd, ['mark', runId, instance, request.state, '--dag', dagId]);
    return ended(command);
  }

  /** `airstep pause|unpause <dag>`. */
  async pause(dagId: string, paused: boolean): Promise<UiActionAnswer> {
    const folder = this.paths.length === 1 ? ['--dags', this.paths[0]!] : [];
    const command = runCli(this.cwd, [paused ? 'pause' : 'unpause', dagId, ...folder]);
    return ended(command);
  }

  private store(): LocalStore {
    return new LocalStore(join(this.cwd, '.airstep'));
  }

  /** `airstep list --json` of the paths, run again only when a DAG file or a pause state changed since the last time. */
  private async list(): Promise<{ dags: ListedDag[]; importErrors: UiDagsAnswer['importErrors'] }> {
    // The DAG files, and the pause states (`.airstep/dags/`), which the listing reports too.
    const signature = await filesSignature([
      ...this.paths.map((path) => resolve(this.cwd, path)),
      join(this.cwd, '.airstep', 'dags'),
    ]);
    if (this.listed?.signature !== signature) {
      const answer = (async () => {
        const command = runCli(this.cwd, ['list', '--json', ...this.paths]);
        await command.exited;
        try {
          return JSON.parse(command.output()) as { dags: ListedDag[]; importErrors: UiDagsAnswer['importErrors'] };
        } catch {
          throw new AirstepError(`airstep list failed: ${command.errors().trim()}`, { code: 'UI_LIST_FAILED' });
        }
      })();
      this.listed = { signature, answer };
      answer.catch(() => {
        if (this.listed?.answer === answer) this.listed = undefined;
      });
    }
    return this.listed.answer;
  }
}

function uiDag(dag: ListedDag, recentRuns: UiDag['recentRuns']): UiDag {
  return {
    dagId: dag.dagId,
    file: dag.file,
    schedule: dag.schedule,
    timezone: dag.timezone,
    tags: dag.tags,
    ...(dag.owner !== undefined ? { owner: dag.owner } : {}),
    ...(dag.description !== undefined ? { description: dag.description } : {}),
    ...(dag.doc !== undefined ? { doc: dag.doc } : {}),
    paused: dag.paused,
    nextRun: dag.nextRun,
    recentRuns,
    params: dag.params as UiDag['params'],
    tasks: upstreamFirst(dag.graph.tasks),
    groups: dag.graph.groups,
  };
}

function uiRun(run: RunRecord): UiRun {
  return {
    dagId: run.dagId,
    runId: run.runId,
    state: run.state,
    logicalDate: run.logicalDate,
    startedAt: run.startedAt,
    ...(run.endedAt !== undefined ? { endedAt: run.endedAt } : {}),
    ...(run.note !== undefined ? { note: run.note } : {}),
    conf: run.conf,
  };
}

function uiInstance(task: TaskRecord): UiTaskInstance {
  return { ...task };
}

/** Waits for the command's end: what it printed, or its refusal (exit code other than 0). */
async function ended(command: ReturnType<typeof runCli>): Promise<UiActionAnswer> {
  const code = await command.exited;
  return code === 0
    ? { ok: true, output: command.output() }
    : { ok: false, error: command.errors().trim() || command.output().trim() };
}

/** Waits for the command's first line `<dag> › <run id>` (it started a run), or its end (it refused). */
async function started(command: ReturnType<typeof runCli>, dagId: string): Promise<UiActionAnswer> {
  const header = await command.printed(new RegExp(`^${escapeRegExp(dagId)} › (\\S+)`, 'm'));
  if (header !== undefined) return { ok: true, runId: header[1]!, output: command.output() };
  return { ok: false, error: command.errors().trim() || command.output().trim() || 'the command ended without a run' };
}

/**
 * `--conf`'s value: the JSON itself, or `@file` for a conf too long for one command-line argument (128 KiB), a file
 * removed once the command has ended.
 */
async function confArgument(conf: Record<string, unknown>): Promise<{ argument: string; remove: () => Promise<void> }> {
  const text = JSON.stringify(conf);
  if (text.length < 100_000) return { argument: text, remove: async () => undefined };
  const folder = await mkdtemp(join(tmpdir(), 'airstep-ui-conf-'));
  await writeFile(join(folder, 'conf.json'), text);
  return { argument: `@${join(folder, 'conf.json')}`, remove: () => rm(folder, { recursive: true, force: true }) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The newest modification time and the count of files under the paths: changes when a file is saved or added. */
async function filesSignature(paths: readonly string[]): Promise<string> {
  let newest = 0;
  let count = 0;
  const visit = async (path: string) => {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) return;
    if (!info.isDirectory()) {
      newest = Math.max(newest, info.mtimeMs);
      count++;
      return;
    }
    for (const entry of await readdir(path, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      await visit(join(path, entry.name));
    }
  };
  for (const path of paths) await visit(path);
  return `${newest}:${count}`;
}
