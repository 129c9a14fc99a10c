import { catchupIntervals, nextRuns, type RunInterval, runId, type ScheduleSpec } from '../schedule/index.ts';
import type { RunType } from '../schedule/types.ts';

/** A DAG the local scheduler runs on its schedule. */
export interface ScheduledDag {
  readonly dagId: string;
  readonly spec: ScheduleSpec;
  readonly maxActiveRuns: number;
}

/** What the scheduler knows of a DAG's scheduled runs: the newest logical date started, and how many run now. */
export interface RunBook {
  readonly lastLogicalDate?: string;
  readonly active: number;
}

/** Which DAGs are paused, and who hears of a run a pause holds back (`airstep dev` prints it). */
export interface SchedulerPause {
  isPaused(dagId: string): boolean;
  held?(dagId: string, interval: RunInterval): void;
}

/** A scheduled run to start: its interval and run id. */
export interface DueRun {
  readonly dagId: string;
  readonly runId: string;
  readonly interval: RunInterval;
}

// ---------------------------------------------------------------------------------------------------------------
// The decision: pure functions of the schedule, what already ran, and "now".
// ---------------------------------------------------------------------------------------------------------------

/**
 * The scheduled runs to start now, oldest first: with catchup every interval that ended since the start date or
 * the last run, without it only the latest; never more than `maxActiveRuns` at once. Runs that find no free slot
 * stay due, so they start in order as runs end (the queue is the schedule itself). Pure: "now" is an argument.
 */
export function dueRuns(dag: ScheduledDag, book: RunBook, now: Date): RunInterval[] {
  const free = dag.maxActiveRuns - book.active;
  if (free <= 0) return [];
  return catchupIntervals(dag.spec, now, {
    ...(book.lastLogicalDate !== undefined ? { lastLogicalDate: book.lastLogicalDate } : {}),
    limit: free,
  });
}

/**
 * Where a DAG's schedule resumes, given the runs in the store: the newest logical date of its scheduled and
 * backfill runs, whatever their state (Airflow's "last automated run"). Manual runs do not count; a backfill
 * does, so a range backfilled ahead of the scheduler is not run a second time under a `scheduled__` id.
 */
export function resumePoint(runs: ReadonlyArray<{ runType: RunType; logicalDate: string }>): string | undefined {
  let latest: { at: number; logicalDate: string } | undefined;
  for (const run of runs) {
    if (run.runType !== 'scheduled' && run.runType !== 'backfill') continue;
    const at = Date.parse(run.logicalDate);
    if (Number.isNaN(at)) continue;
    if (latest === undefined || at > latest.at) latest = { at, logicalDate: run.logicalDate };
  }
  return latest?.logicalDate;
}

const later = (a: string | undefined, b: string | undefined): string | undefined =>
  a === undefined ? b : b === undefined ? a : Date.parse(b) > Date.parse(a) ? b : a;

/**
 * The local scheduler's book-keeping over many DAGs. `tick(now)` returns the runs to start and counts them as
 * active; `finished(dagId)` frees the slot. DAGs can be replaced while running (a file saved in `airstep dev`);
 * what a DAG already ran is kept by id. A DAG's last logical date only moves forward, so no run id is ever
 * handed out twice, whatever the DAG is replaced with.
 */
export class LocalScheduler {
  private readonly dags = new Map<string, ScheduledDag>();
  private readonly books = new Map<string, { lastLogicalDate?: string; active: number }>();
  /** The newest logical date reported held for each paused DAG, so each is said once. */
  private readonly held = new Map<string, string>();

  /**
   * `pause` says which DAGs are paused (`airstep pause`, asked on every pass): a paused DAG starts nothing and
   * keeps its place, so when it is unpaused the runs it missed are due as catchup says (all of them with
   * catchup, the latest without), as Airflow's scheduler does. `held` hears of each run a pause holds back.
   */
  constructor(private readonly pause: SchedulerPause = { isPaused: () => false }) {}

  /**
   * Adds or replaces a DAG. `lastLogicalDate` is where the store says it got to (see `resumePoint`); a date
   * older than what this scheduler already started is ignored.
   */
  set(dag: ScheduledDag, lastLogicalDate?: string): void {
    this.dags.set(dag.dagId, dag);
    const book = this.books.get(dag.dagId) ?? { active: 0 };
    const last = later(book.lastLogicalDate, lastLogicalDate);
    if (last !== undefined) book.lastLogicalDate = last;
    this.books.set(dag.dagId, book);
  }

  /** Stops scheduling a DAG (its file broke or went away); its runs in flight still count when it comes back. */
  remove(dagId: string): void {
    this.dags.delete(dagId);
  }

  has(dagId: string): boolean {
    return this.dags.has(dagId);
  }

  tick(now: Date): DueRun[] {
    const due: DueRun[] = [];
    for (const dag of this.dags.values()) {
      const book = this.books.get(dag.dagId)!;
      if (this.pause.isPaused(dag.dagId)) {
        const newest = dueRuns({ ...dag, maxActiveRuns: Number.MAX_SAFE_INTEGER }, book, now).at(-1);
        if (newest !== undefined && this.held.get(dag.dagId) !== newest.logicalDate) {
          this.held.set(dag.dagId, newest.logicalDate);
          this.pause.held?.(dag.dagId, newest);
        }
        continue;
      }
      for (const interval of dueRuns(dag, book, now)) {
        book.active++;
        book.lastLogicalDate = interval.logicalDate;
        due.push({ dagId: dag.dagId, runId: runId('scheduled', interval.logicalDate), interval });
      }
    }
    return due;
  }

  finished(dagId: string): void {
    const book = this.books.get(dagId);
    if (book !== undefined && book.active > 0) book.active--;
  }

  /** Runs of `dagId` in flight that this scheduler counts (its own, and those `started` told it of). */
  activeRuns(dagId: string): number {
    return this.books.get(dagId)?.active ?? 0;
  }

  /**
   * A run of `dagId` the scheduler did not hand out started (a `triggerDag` step's, under `airstep dev`): it takes
   * one of the DAG's `maxActiveRuns` places until `finished(dagId)`, as any running run does in Airflow.
   */
  started(dagId: string): void {
    const book = this.books.get(dagId) ?? { active: 0 };
    book.active++;
    this.books.set(dagId, book);
  }

  /**
   * When the next run becomes due after `now`, for DAGs with a free slot; undefined when none will (no DAGs,
   * every schedule past its end date, or every DAG at `maxActiveRuns`: a run ending is then what makes one due).
   */
  nextDueAt(now: Date): Date | undefined {
    let earliest: number | undefined;
    for (const dag of this.dags.values()) {
      const book = this.books.get(dag.dagId)!;
      if (book.active >= dag.maxActiveRuns || this.pause.isPaused(dag.dagId)) continue;
      const next = nextRuns(dag.spec, now, 1)[0];
      if (next === undefined) continue;
      const at = Date.parse(next.runAfter);
      if (earliest === undefined || at < earliest) earliest = at;
    }
    return earliest !== undefined ? new Date(earliest) : undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The timer: when to ask the scheduler again. The clock is injected, so tests drive it without waiting.
// ---------------------------------------------------------------------------------------------------------------

/** The clock and timers the loop uses; `realTimer` in `airstep dev`, a fake one in tests. */
export interface SchedulerTimer {
  now(): Date;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimer: SchedulerTimer = {
  now: () => new Date(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Runs a `LocalScheduler` on a clock: asks it for due runs now, then sleeps until the next run is due. It also
 * asks again when told something changed (`poke`: a DAG was added or replaced) and when a run ends
 * (`finished`: a queued run may now start). A sleep never exceeds `maxSleepMs`, so a wall clock that jumps
 * (a laptop waking up) is noticed within that time.
 */
export class SchedulerLoop {
  private handle: unknown;
  private stopped = true;
  private busy = false;
  private again = false;

  constructor(
    private readonly scheduler: LocalScheduler,
    private readonly start: (run: DueRun) => void,
    private readonly timer: SchedulerTimer = realTimer,
    private readonly maxSleepMs = 60_000,
  ) {}

  /** Starts the loop: due runs start at once. */
  begin(): void {
    this.stopped = false;
    this.poke();
  }

  /** Looks for due runs now and sets the next wake-up. */
  poke(): void {
    if (this.stopped) return;
    // `start` may report a run as finished at once (it could not start); that asks again after this pass.
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    try {
      this.timer.clearTimeout(this.handle);
      this.handle = undefined;
      let now: Date;
      do {
        this.again = false;
        now = this.timer.now();
        for (const run of this.scheduler.tick(now)) this.start(run);
      } while (this.again && !this.stopped);
      if (this.stopped) return;
      const next = this.scheduler.nextDueAt(now);
      const sleep = next === undefined ? this.maxSleepMs : Math.min(this.maxSleepMs, next.getTime() - now.getTime());
      this.handle = this.timer.setTimeout(() => this.poke(), Math.max(0, sleep));
    } finally {
      this.busy = false;
    }
  }

  /** A run of `dagId` started elsewhere (a triggered run): it holds a slot until `finished`. */
  started(dagId: string): void {
    this.scheduler.started(dagId);
  }

  /** A run of `dagId` ended: its slot is free. */
  finished(dagId: string): void {
    this.scheduler.finished(dagId);
    this.poke();
  }

  stop(): void {
    this.stopped = true;
    this.timer.clearTimeout(this.handle);
    this.handle = undefined;
  }
}
