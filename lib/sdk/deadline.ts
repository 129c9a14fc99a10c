import type { Duration } from './duration.ts';

/**
 * What a deadline counts from (Airflow 3.1's `DeadlineReference`): the run's logical date, the end of its data
 * interval, or when the trigger accepted the run (started or queued it: Airflow's `DAGRUN_QUEUED_AT`).
 */
export const DEADLINE_REFERENCES = ['logicalDate', 'dataIntervalEnd', 'queuedAt'] as const;
export type DeadlineReference = (typeof DEADLINE_REFERENCES)[number];

/**
 * A DAG's deadline alert (Airflow 3.1's `DeadlineAlert`, which replaced SLAs): a run that has not ended
 * `interval` after `reference` has missed its deadline. The miss is recorded on the run (`airstep runs`), counted
 * in the `DeadlineMissed` metric (alarmed) and, with `alert`, published to the stack's alerts topic.
 *
 * ```ts
 * dag({ id: 'etl', schedule: '@daily', deadline: { reference: 'dataIntervalEnd', interval: '2 hours' } });
 * ```
 */
export interface DeadlineAlert {
  readonly reference: DeadlineReference;
  /** How long after the reference the run must have ended (0 or more). */
  readonly interval: Duration;
  /** Publish a message naming the DAG and run to the stack's alerts topic on a miss. @default true */
  readonly alert?: boolean;
}
