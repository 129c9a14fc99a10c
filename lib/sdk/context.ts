import type { RunType } from '../schedule/types.ts';

export type { RunType };

/**
 * What every task function receives. Dates are ISO 8601 strings; `ds` is never missing: a manual run takes
 * its trigger time as logical date.
 */
export interface TaskContext<P = Record<string, unknown>> {
  readonly dagId: string;
  readonly runId: string;
  readonly runType: RunType;
  /** Start of the data interval for scheduled runs; the trigger time for manual runs. */
  readonly logicalDate: string;
  /** The logical date as `YYYY-MM-DD` in the DAG's time zone. */
  readonly ds: string;
  /** The logical date as `YYYYMMDD`. */
  readonly dsNodash: string;
  /** The logical date as an ISO timestamp with offset. */
  readonly ts: string;
  readonly dataIntervalStart: string;
  readonly dataIntervalEnd: string;
  /** Params after defaults were applied and the trigger's conf was validated. */
  readonly params: P;
  /** The raw conf the run was triggered with. */
  readonly conf: Readonly<Record<string, unknown>>;
  readonly taskId: string;
  /** The item's index in a mapped task; -1 otherwise. */
  readonly mapIndex: number;
  /** 1 on the first try, 2 on the first retry, … */
  readonly tryNumber: number;
  /** Writes a line to this try's log. */
  log(...values: unknown[]): void;
}
