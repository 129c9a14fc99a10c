import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunState, TaskState } from '../compiler/run-states.ts';
import type { RunContext } from '../compiler/worker-contract.ts';
import type { RunType } from '../schedule/types.ts';

/**
 * The local engine's durable record under `.airstep/`: one folder per run with `run.json`, `tasks.json` and
 * one log file per task try. Every JSON file is written to a temporary name and renamed, so a reader never sees
 * half a file. A run left `running` by a process that no longer exists is marked `interrupted` when the store
 * is next opened.
 */
export interface RunRecord {
  readonly dagId: string;
  readonly runId: string;
  readonly runType: RunType;
  readonly logicalDate: string;
  readonly file: string;
  state: RunState;
  readonly startedAt: string;
  endedAt?: string;
  conf: Record<string, unknown>;
  /** The engine process, to tell a live run from one that was killed. */
  readonly pid: number;
  clockSpeed: number;
  /** The DAG's deadline for this run and, if the run had not ended by then, when the engine found it (its clock). */
  deadline?: string;
  deadlineMissedAt?: string;
  /** The run's context, so `airstep clear` can run it again as the same run (absent in runs recorded before). */
  readonly ctx?: RunContext;
  /** How many times the run was cleared (`airstep clear`); absent: never. */
  readonly clears?: number;
  /** The run's note (`airstep note`), as Airflow 3's DAG run note; only `setNote` writes it. */
  note?: string;
}

/** What the local store keeps about a DAG itself: whether it is paused (`airstep pause`). */
export interface LocalDagState {
  readonly dagId: string;
  readonly pausedAt?: string;
}

export interface TaskRecord {
  readonly taskId: string;
  readonly mapIndex: number;
  readonly state: TaskState;
  readonly tries: number;
  /** When its first try began waiting for a DAG or pool slot (worker tasks); the wait is not in its duration. */
  readonly queuedAt?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly durationMs?: number;
  readonly output?: unknown;
  readonly error?: string;
  /** The error's one-line summary (`Error: the warehouse refused the rows`), as the grid shows it. */
  readonly errorMessage?: string;
  /** Why the task skipped itself (`SkipError`'s message). */
  readonly reason?: string;
}

export class LocalStore {
  constructor(readonly root = '.airstep') {}

  /** Marks runs whose engine process is gone as interrupted; returns them. */
  async recoverInterrupted(): Promise<RunRecord[]> {
    const recovered: RunRecord[] = [];
    for (const run of await this.runs()) {
      if (run.state !== 'running' || processAlive(run.pid)) continue;
      run.state = 'interrupted';
      run.endedAt ??= new Date().toISOString();
      await this.saveRun(run);
      recovered.push(run);
    }
    return recovered;
  }

  /**
   * Writes the run as the engine sees it. Its note is the one on disk: `airstep note` may write one while the run
   * runs, and the engine's copy of the record never has it.
   */
  async saveRun(run: RunRecord): Promise<void> {
    const path = join(this.runDir(run.dagId, run.runId), 'run.json');
    const { note: _ignored, ...fields } = run;
    const note = (await this.readJson<RunRecord>(path))?.note;
    await this.writeJson(path, { ...fields, ...(note !== undefined ? { note } : {}) });
  }

  /** Sets (or, with an empty text, removes) the run's note; false when there is no such run. */
  async setNote(dagId: string, runId: string, note: string): Promise<boolean> {
    const path = join(this.runDir(dagId, runId), 'run.json');
    const run = await this.readJson<RunRecord>(path);
    if (run === undefined) return false;
    const { note: _old, ...fields } = run;
    await this.writeJson(path, { ...fields, ...(note !== '' ? { note } : {}) });
    return true;
  }

  /** The DAG's local state; a DAG never paused has none stored. */
  async dagState(dagId: string): Promise<LocalDagState> {
    return (await this.readJson<LocalDagState>(this.dagStatePath(dagId))) ?? { dagId };
  }

  async saveDagState(state: LocalDagState): Promise<void> {
    await this.writeJson(this.dagStatePath(state.dagId), state);
  }

  /**
   * Whether the DAG is paused, read synchronously: the local scheduler asks on every pass, and another process
   * (`airstep pause`) may have changed it since the last.
   */
  isPaused(dagId: string): boolean {
    const path = this.dagStatePath(dagId);
    if (!existsSync(path)) return false;
    try {
      return (JSON.parse(readFileSync(path, 'utf8')) as LocalDagState).pausedAt !== undefined;
    } catch {
      // Renamed into place, so never half written; a file someone broke by hand counts as not paused.
      return false;
    }
  }

  private dagStatePath(dagId: string): string {
    return join(this.root, 'dags', `${safe(dagId)}.json`);
  }

  async saveTasks(dagId: string, runId: string, tasks: readonly TaskRecord[]): Promise<void> {
    await this.writeJson(join(this.runDir(dagId, runId), 'tasks.json'), tasks);
  }

  async appendLog(
    dagId: string,
    runId: string,
    taskId: string,
    mapIndex: number,
    tryNumber: number,
    lines: readonly string[],
  ): Promise<void> {
    const dir = join(this.runDir(dagId, runId), 'logs');
    await mkdir(dir, { recursive: true });
    await appendFile(join(dir, logName(taskId, mapIndex, tryNumber)), lines.map((line) => `${line}\n`).join(''));
  }

  async readLog(
    dagId: string,
    runId: string,
    taskId: string,
    mapIndex: number,
    tryNumber: number,
  ): Promise<string | undefined> {
    const path = join(this.runDir(dagId, runId), 'logs', logName(taskId, mapIndex, tryNumber));
    return existsSync(path) ? readFile(path, 'utf8') : undefined;
  }

  /** Every run, newest first; `dagId` narrows to one DAG. */
  async runs(dagId?: string): Promise<RunRecord[]> {
    const base = join(this.root, 'runs');
    if (!existsSync(base)) return [];
    const dags = dagId !== undefined ? [dagId] : await readdir(base);
    const runs: RunRecord[] = [];
    for (const dag of dags) {
      const dir = join(base, safe(dag));
      if (!existsSync(dir)) continue;
      for (const run of await readdir(dir)) {
        const record = await this.readJson<RunRecord>(join(dir, run, 'run.json'));
        if (record !== undefined) runs.push(record);
      }
    }
    return runs.sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
  }

  async tasks(dagId: string, runId: string): Promise<TaskRecord[]> {
    return (await this.readJson<TaskRecord[]>(join(this.runDir(dagId, runId), 'tasks.json'))) ?? [];
  }

  private runDir(dagId: string, runId: string): string {
    return join(this.root, 'runs', safe(dagId), safe(runId));
  }

  private async writeJson(path: string, value: unknown): Promise<void> {
    await mkdir(join(path, '..'), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
    await rename(temporary, path);
  }

  private async readJson<T>(path: string): Promise<T | undefined> {
    if (!existsSync(path)) return undefined;
    return JSON.parse(await readFile(path, 'utf8')) as T;
  }
}

function logName(taskId: string, mapIndex: number, tryNumber: number): string {
  return `${safe(taskId)}${mapIndex >= 0 ? `.${mapIndex}` : ''}.try-${tryNumber}.log`;
}

/** Run ids hold ':' and '+' (ISO dates); keep file names portable. */
function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
