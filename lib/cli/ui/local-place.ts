import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AirstepError } from '../../errors/airstep-error.ts';
import { LocalRunHistory } from '../../local/local-run-history.ts';
import { LocalStore } from '../../local/local-store.ts';
import { LocalTaskLogs } from '../../local/local-task-logs.ts';
import type { UiActionAnswer } from '../../web/api.ts';
import type { RunHistory } from '../history/run-history.ts';
import type { TaskLogSource } from '../history/task-log-source.ts';
import { confArgument, ended, exactTask, instanceArgument, started } from './cli-answers.ts';
import { runCli } from './cli-process.ts';
import type { ListedDag, ListedDags, UiPlace } from './ui-place.ts';

/** How often the store is opened afresh (runs whose engine died marked interrupted). */
const RECOVER_MS = 10_000;

/**
 * This machine: DAGs as `airstep list --json` lists them (run as a command, again whenever a DAG file or a pause
 * state changed), runs and logs from the local store (`.airstep/`), and every action as the CLI command that does
 * it, run in the project folder.
 */
export class LocalPlace implements UiPlace {
  readonly name = 'local';
  private opened: { at: number; history: Promise<LocalRunHistory> } | undefined;
  private listed: { signature: string; answer: Promise<ListedDags> } | undefined;

  constructor(
    /** The project folder: where `.airstep/` is and the commands run. */
    private readonly cwd: string,
    /** DAG files or folders, as `airstep list` takes them. */
    private readonly paths: readonly string[],
  ) {}

  /**
   * The store as the CLI reads it. Opening it marks runs whose engine is gone as interrupted, which reads every run
   * of every DAG: done at most every RECOVER_MS, not on each of the page's requests (a view asks every 2 s).
   */
  history(): Promise<RunHistory> {
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

  async logs(): Promise<TaskLogSource> {
    return new LocalTaskLogs(this.store()) as TaskLogSource<number> as TaskLogSource;
  }

  /** `airstep run <file> --dag <id> [--date] [--conf]`: answers once the run has its id (or was refused). */
  async trigger(
    dag: ListedDag,
    request: { conf?: Record<string, unknown>; logicalDate?: string },
  ): Promise<UiActionAnswer> {
    const args = ['run', dag.file, '--dag', dag.dagId];
    if (request.logicalDate !== undefined && request.logicalDate !== '') args.push('--date', request.logicalDate);
    const conf =
      request.conf !== undefined && Object.keys(request.conf).length > 0 ? await confArgument(request.conf) : undefined;
    if (conf !== undefined) args.push('--conf', conf.argument);
    const command = runCli(this.cwd, args);
    if (conf !== undefined) void command.exited.then(conf.remove);
    return started(command, dag.dagId);
  }

  /** `airstep clear <run> --dag <id> [--task ^id$] [--downstream]`: answers once the new attempt started. */
  async clear(
    dagId: string,
    runId: string,
    request: { taskId?: string; downstream?: boolean },
  ): Promise<UiActionAnswer> {
    const args = ['clear', runId, '--dag', dagId];
    if (request.taskId !== undefined) args.push('--task', exactTask(request.taskId));
    if (request.downstream === true) args.push('--downstream');
    return started(runCli(this.cwd, args), dagId);
  }

  /** `airstep mark <run> <task>[<index>] success|failed --dag <id>`. */
  async mark(
    dagId: string,
    runId: string,
    request: { taskId: string; mapIndex: number; state: 'success' | 'failed' },
  ): Promise<UiActionAnswer> {
    const instance = instanceArgument(request.taskId, request.mapIndex);
    return ended(runCli(this.cwd, ['mark', runId, instance, request.state, '--dag', dagId]));
  }

  /** `airstep pause|unpause <dag>`. */
  async pause(dagId: string, paused: boolean): Promise<UiActionAnswer> {
    const folder = this.paths.length === 1 ? ['--dags', this.paths[0]!] : [];
    return ended(runCli(this.cwd, [paused ? 'pause' : 'unpause', dagId, ...folder]));
  }

  private store(): LocalStore {
    return new LocalStore(join(this.cwd, '.airstep'));
  }

  /** `airstep list --json` of the paths, run again only when a DAG file or a pause state changed since the last time. */
  async listDags(): Promise<ListedDags> {
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
          return JSON.parse(command.output()) as ListedDags;
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
