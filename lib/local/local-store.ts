import { existsSync, readFileSync, statSync } from 'node:fs';
import { appendFile, mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunState, TaskState } from '../compiler/run-states.ts';
import type { RunContext } from '../compiler/worker-contract.ts';
import type { RunType } from '../schedule/types.ts';
import { jsonListSlices } from './json-list-text.ts';
import { dagStateProblem, runRecordProblem, taskRecordsProblem } from './store-record-shapes.ts';
import { reportUnreadableStoreFile, unreadableReason } from './unreadable-store-file.ts';

/**
 * The local engine's durable record under `.airstep/`: one folder per run with `run.json`, `tasks.json` and
 * one log file per task try. Every file is written to a temporary name and renamed, so a reader never sees
 * half a file; a running try's log is the exception: it grows by appends while the try runs (readers take its
 * whole lines) and is replaced whole when the try ends. A file removed under a reader (`--rerun`, someone
 * cleaning up) reads as absent. A run left `running` by a process that no longer exists is marked `interrupted` when the store
 * is next opened. A file that is not what it should be anyway (emptied or edited by hand, a directory in its
 * place) is reported once with its path and skipped: the other runs stay usable.
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
  /** Each worker try's times and end, oldest first (absent in records written before, and for native steps). */
  readonly tryTimes?: readonly TryTimesRecord[];
}

/** One try of a task instance as the store keeps it: times on the wall clock, as the record's own. */
export interface TryTimesRecord {
  readonly try: number;
  /** `queued` or `running` while it is; then how the try itself ended (`success`, `failed`, `skipped`, `interrupted`). */
  readonly state: TaskState;
  readonly queuedAt?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly errorMessage?: string;
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
    const note = (await this.readJson<RunRecord>(path, runRecordProblem))?.note;
    await this.writeJson(path, { ...fields, ...(note !== undefined ? { note } : {}) });
  }

  /** Sets (or, with an empty text, removes) the run's note; false when there is no such run. */
  async setNote(dagId: string, runId: string, note: string): Promise<boolean> {
    const path = join(this.runDir(dagId, runId), 'run.json');
    const run = await this.readJson<RunRecord>(path, runRecordProblem);
    if (run === undefined) return false;
    const { note: _old, ...fields } = run;
    await this.writeJson(path, { ...fields, ...(note !== '' ? { note } : {}) });
    return true;
  }

  /** The DAG's local state; a DAG never paused has none stored. */
  async dagState(dagId: string): Promise<LocalDagState> {
    return (await this.readJson<LocalDagState>(this.dagStatePath(dagId), dagStateProblem)) ?? { dagId };
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
    try {
      const state: unknown = JSON.parse(readFileSync(path, 'utf8'));
      const problem = dagStateProblem(state);
      if (problem === undefined) return (state as LocalDagState).pausedAt !== undefined;
      reportUnreadableStoreFile(path, problem);
    } catch (error) {
      // Never paused, or unpaused and removed since: not paused either way.
      if (isMissing(error)) return false;
      reportUnreadableStoreFile(path, unreadableReason(error));
    }
    // Renamed into place, so never half written: a file someone broke by hand counts as not paused.
    return false;
  }

  private dagStatePath(dagId: string): string {
    return join(this.root, 'dags', `${safe(dagId)}.json`);
  }

  /** The records are read as they are written: a caller may make them as it goes (record-run.ts). */
  async saveTasks(dagId: string, runId: string, tasks: Iterable<TaskRecord>): Promise<void> {
    await this.writeJsonList(join(this.runDir(dagId, runId), 'tasks.json'), tasks);
  }

  async appendLog(
    dagId: string,
    runId: string,
    taskId: string,
    mapIndex: number,
    tryNumber: number,
    lines: readonly string[],
  ): Promise<void> {
    const path = this.logPath(dagId, runId, taskId, mapIndex, tryNumber);
    // Written whole and renamed, as the JSON files are: a process killed mid-write leaves the lines before, never
    // half a line. A callback's lines come after its try's log (a few, rarely), a native step's error as its log.
    const before = await this.readText(path);
    await this.writeText(path, `${before ?? ''}${lines.map((line) => `${line}\n`).join('')}`);
  }

  /**
   * A running try's new lines, added to its log as they come so readers see it grow (`airstep logs --follow`, the
   * UI). `fresh`: the try's first lines, which start the file over (a try number run again after its engine was
   * killed mid-try). A reader may catch an append half done: `LocalTaskLogs` reads whole lines only.
   */
  async appendLiveLog(key: TryLogKey, lines: readonly string[], fresh: boolean): Promise<void> {
    const path = this.logPath(key.dagId, key.runId, key.taskId, key.mapIndex, key.tryNumber);
    const text = lines.map((line) => `${line}\n`).join('');
    if (fresh) {
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, text);
    } else {
      await appendFile(path, text);
    }
  }

  /**
   * The ended try's whole log, written whole and renamed over what grew while it ran (the lines appended then are
   * its first lines, so a reader's place in it stays right).
   */
  async writeTryLog(key: TryLogKey, lines: readonly string[]): Promise<void> {
    const path = this.logPath(key.dagId, key.runId, key.taskId, key.mapIndex, key.tryNumber);
    await this.writeText(path, lines.map((line) => `${line}\n`).join(''));
  }

  private logPath(dagId: string, runId: string, taskId: string, mapIndex: number, tryNumber: number): string {
    return join(this.runDir(dagId, runId), 'logs', logName(taskId, mapIndex, tryNumber));
  }

  async readLog(
    dagId: string,
    runId: string,
    taskId: string,
    mapIndex: number,
    tryNumber: number,
  ): Promise<string | undefined> {
    return this.readText(this.logPath(dagId, runId, taskId, mapIndex, tryNumber));
  }

  /** Every run, newest first; `dagId` narrows to one DAG. */
  async runs(dagId?: string): Promise<RunRecord[]> {
    const base = join(this.root, 'runs');
    if (!existsSync(base)) return [];
    const dags = dagId !== undefined ? [safe(dagId)] : await this.listDir(base);
    const runs: RunRecord[] = [];
    for (const dag of dags) {
      const dir = join(base, dag);
      if (!existsSync(dir)) continue;
      for (const run of await this.listDir(dir)) {
        const path = join(dir, run, 'run.json');
        // A run folder holds its run.json from the run's start; one without (a file here, a claim being made)
        // is no run.
        if (!isDirectory(join(dir, run))) continue;
        const record = await this.readJson<RunRecord>(path, runRecordProblem);
        if (record !== undefined) runs.push(record);
      }
    }
    return runs.sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
  }

  async tasks(dagId: string, runId: string): Promise<TaskRecord[]> {
    return (await this.readJson<TaskRecord[]>(join(this.runDir(dagId, runId), 'tasks.json'), taskRecordsProblem)) ?? [];
  }

  /** Whether the run has a record (a run.json, even one that cannot be read): a rerun of it must say so. */
  hasRun(dagId: string, runId: string): boolean {
    return existsSync(join(this.runDir(dagId, runId), 'run.json'));
  }

  /** Removes a run's record, task instances and logs, for `airstep run --rerun` (which replaces the run). */
  async removeRun(dagId: string, runId: string): Promise<void> {
    const dir = this.runDir(dagId, runId);
    for (const name of ['run.json', 'tasks.json', 'logs']) await rm(join(dir, name), { recursive: true, force: true });
  }

  /** The folder of one run (its lock is kept there too). */
  runDir(dagId: string, runId: string): string {
    return join(this.root, 'runs', safe(dagId), safe(runId));
  }

  private async writeJson(path: string, value: unknown): Promise<void> {
    await this.writeText(path, `${JSON.stringify(value, null, 2)}\n`);
  }

  /** As `writeJson` writes a list, the same text, a slice at a time (a map's records are many). */
  private async writeJsonList(path: string, items: Iterable<unknown>): Promise<void> {
    await mkdir(join(path, '..'), { recursive: true });
    const temporary = `${path}.${process.pid}.${++temporaries}.tmp`;
    const file = await open(temporary, 'w');
    try {
      for (const slice of jsonListSlices(items)) await file.write(slice);
      await file.write('\n');
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  }

  private async writeText(path: string, text: string): Promise<void> {
    await mkdir(join(path, '..'), { recursive: true });
    // One temporary name per write: two writes of one file at once in this process must not rename each other's.
    const temporary = `${path}.${process.pid}.${++temporaries}.tmp`;
    await writeFile(temporary, text);
    await rename(temporary, path);
  }

  /**
   * The file's text; undefined when there is none, or (reported once) when it cannot be read. Read without asking
   * first whether it exists: a file removed between the question and the read is absent, not unreadable.
   */
  private async readText(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      reportUnreadableStoreFile(path, unreadableReason(error));
      return undefined;
    }
  }

  /** The file's value when it is what `problem` accepts; otherwise undefined, reported once with the reason. */
  private async readJson<T>(path: string, problem: (value: unknown) => string | undefined): Promise<T | undefined> {
    const text = await this.readText(path);
    if (text === undefined) return undefined;
    if (text.trim() === '') {
      reportUnreadableStoreFile(path, 'an empty file');
      return undefined;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      reportUnreadableStoreFile(path, unreadableReason(error));
      return undefined;
    }
    const wrong = problem(value);
    if (wrong !== undefined) {
      reportUnreadableStoreFile(path, wrong);
      return undefined;
    }
    return value as T;
  }

  /** A folder's entries; a file in its place is reported once and lists nothing. */
  private async listDir(path: string): Promise<string[]> {
    try {
      return await readdir(path);
    } catch (error) {
      // Removed since it was listed (a run replaced, a store cleaned): nothing in it.
      if (isMissing(error)) return [];
      reportUnreadableStoreFile(path, unreadableReason(error));
      return [];
    }
  }
}

/** Which try of which run's task instance a log is of. */
export interface TryLogKey {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly mapIndex: number;
  readonly tryNumber: number;
}

/** Counts this process's temporary files, so each write has its own. */
let temporaries = 0;

/** A file or folder that is not there (never was, or removed): absent, not broken. */
function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
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
