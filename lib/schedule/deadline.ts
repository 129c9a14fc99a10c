/**
 * Deadlines of runs (Airflow 3.1's Deadline Alerts), as pure functions of the run's dates: the trigger, the
 * recorder and the local engine compute the same instant.
 */

/** What a deadline counts from; the SDK's `DeadlineReference`. */
export type DeadlineReferenceName = 'logicalDate' | 'dataIntervalEnd' | 'queuedAt';

/** A DAG's deadline as compiled (IR, manifest and DAG record). */
export interface DeadlineSpec {
  readonly reference: DeadlineReferenceName;
  /** Whole seconds after the reference (rounded up: EventBridge Scheduler's `at()` counts seconds). */
  readonly intervalSeconds: number;
  /** Publish the miss to the alerts topic. */
  readonly alert: boolean;
}

/** The instants a deadline may count from: ISO strings with their offset, as the run context holds them. */
export interface DeadlineReferenceTimes {
  readonly logicalDate: string;
  readonly dataIntervalEnd: string;
  /** When the trigger (or the local engine) accepted the run. */
  readonly queuedAt: Date;
}

/**
 * The instant a run must have ended by. The run's dates carry their zone's offset, so the result is the same
 * instant whatever the DAG's time zone (a deadline of '2 hours' across a DST change is two elapsed hours).
 */
export function deadlineAt(spec: DeadlineSpec, times: DeadlineReferenceTimes): Date {
  const reference = spec.reference === 'queuedAt' ? times.queuedAt.getTime() : Date.parse(times[spec.reference]);
  return new Date(reference + spec.intervalSeconds * 1000);
}

/** Whether a deadline has already passed at `now`: then the miss is immediate, nothing waits for it. */
export function deadlinePassed(deadline: Date, now: Date): boolean {
  return deadline.getTime() <= now.getTime();
}
