import type { AssetEvent } from '../../assets/asset-event.ts';
import type { RunState, TaskState } from '../../compiler/run-states.ts';

/**
 * Where `runs`, `tasks` and `logs` read runs from: the local store, or the deployed stack's tables. One port, two
 * adapters (`LocalRunHistory` in lib/local, `CloudRunHistory` in lib/runs), so each command has one code path.
 * The adapters return their own records, which carry at least these fields (and `--json` prints them whole).
 */
export interface RunHistory {
  /** Where the runs are kept, for messages: `.airstep`, `cdk-outputs.json › AirstepStack`. */
  readonly where: string;
  /** The local store (runs of this machine), not a deployed stack. */
  readonly local: boolean;
  /** Runs, newest first; `dagId` narrows to one DAG. */
  runs(dagId?: string): Promise<RunSummary[]>;
  /** Runs whose id is `runId` (the only answer when some are) or, failing that, starts with it. */
  findRuns(runId: string, dagId?: string): Promise<RunSummary[]>;
  /** The run's task instances, by task id then map index. */
  tasks(run: RunSummary): Promise<TaskInstanceSummary[]>;
  /**
   * What each task instance returned, by `<task id>#<map index>`, for an adapter whose task records do not carry
   * results (the deployed stack keeps them in the execution, not the tables); the local records have `output`.
   */
  results?(run: RunSummary): Promise<ReadonlyMap<string, unknown>>;
  /** The asset events the run's tasks recorded (their outlets), oldest first: `tasks --json` carries them. */
  assetEvents(run: RunSummary): Promise<readonly AssetEvent[]>;
  /** Sets the run's note (an empty text removes it); false when the run is not there (nothing written). */
  setNote(run: RunSummary, note: string): Promise<boolean>;
}

export interface RunSummary {
  readonly dagId: string;
  readonly runId: string;
  readonly state: RunState | 'unknown';
  /** The start of the data interval the run is for (Airflow's logical date). */
  readonly logicalDate?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly executionArn?: string;
  /** When the run was found not ended by its DAG's deadline (`deadline`), if it was. */
  readonly deadlineMissedAt?: string;
  readonly deadline?: string;
  /** The run's note (`airstep note`), as Airflow 3's DAG run note. */
  readonly note?: string;
  /** How many times `airstep clear` ran the run again (unset: never). */
  readonly clears?: number;
  /** A local run under `--speed`: how many times faster its waits ran (unset or 1: real time). */
  readonly clockSpeed?: number;
  /** A queued local run: why it waits, and what starts it (queued-run-reason.ts). */
  readonly queuedReason?: string;
}

export interface TaskInstanceSummary {
  readonly taskId: string;
  /** -1 for a task's own record; the item's index for an instance of a mapped task. */
  readonly mapIndex: number;
  readonly state: TaskState;
  readonly tries?: number;
  /** When the current try began waiting for a worker or a slot. */
  readonly queuedAt?: string;
  readonly startedAt?: string;
  readonly durationMs?: number;
  readonly error?: string;
  /** The error's one-line summary (`Error: the warehouse refused the rows`). */
  readonly errorMessage?: string;
  /** Why the task skipped itself (`SkipError`'s message). */
  readonly reason?: string;
  /** Each try's own end, oldest first, where the history keeps it (the local store): a running try is listed too. */
  readonly tryTimes?: readonly TryTimesSummary[];
}

/** One try of a task instance: its times and how the try itself ended (the local store's `TryTimesRecord`). */
export interface TryTimesSummary {
  readonly try: number;
  readonly state: TaskState;
  readonly queuedAt?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly errorMessage?: string;
}

/** The one run `runId` names, or why it names none or several. */
export async function pickRun(
  history: RunHistory,
  runId: string,
  dagId: string | undefined,
): Promise<{ ok: true; run: RunSummary } | { ok: false; message: string }> {
  const matches = await history.findRuns(runId, dagId);
  const where = dagId !== undefined ? `${dagId} in ${history.where}` : history.where;
  if (matches.length === 0) return { ok: false, message: `no run '${runId}' of ${where} (see airstep runs)` };
  if (matches.length > 1) {
    return {
      ok: false,
      message:
        `'${runId}' matches ${matches.length} runs of ${where}: ${matches.map((run) => `${run.dagId} › ${run.runId}`).join(', ')}; ` +
        'give the whole run id, or --dag',
    };
  }
  return { ok: true, run: matches[0]! };
}
