import { catchupIntervals, type RunInterval, runId, type ScheduleSpec } from '../schedule/index.ts';

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

/** A scheduled run to start: its interval and run id. */
export interface DueRun {
  readonly dagId: string;
  readonly runId: string;
  readonly interval: RunInterval;
}

/**
 * The local scheduler's book-keeping over many DAGs. `tick(now)` returns the runs to start and counts them as
 * active; `finished(dagId)` frees the slot. DAGs can be replaced while running (a file saved in `airstep dev`);
 * what a DAG already ran is kept by id.
 */
export class LocalScheduler {
  private readonly dags = new Map<string, ScheduledDag>();
  private readonly books = new Map<string, { lastLogicalDate?: string; active: number }>();

  /** Adds or replaces a DAG; `lastLogicalDate` (from the store) says where a DAG seen for the first time resumes. */
  set(dag: ScheduledDag, lastLogicalDate?: string): void {
    this.dags.set(dag.dagId, dag);
    if (!this.books.has(dag.dagId)) {
      this.books.set(dag.dagId, { active: 0, ...(lastLogicalDate !== undefined ? { lastLogicalDate } : {}) });
    }
  }

  remove(dagId: string): void {
    this.dags.delete(dagId);
  }

  tick(now: Date): DueRun[] {
    const due: DueRun[] = [];
    for (const dag of this.dags.values()) {
      const book = this.books.get(dag.dagId)!;
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
}
