/**
 * A DAG's schedule: what the compiler records (IR, manifest, DAG record) and what every function here reads.
 * The DAG options `schedule`, `timezone`, `startDate`, `endDate` and `catchup`, defaults filled in.
 */
export interface ScheduleSpec {
  /** A 5-field cron expression, a preset (`@daily`), a rate (`every 15 minutes`), or null for manual runs only. */
  readonly expression: string | null;
  /** IANA time zone the schedule and dates are read in (the DAG option's default is 'UTC'). */
  readonly timezone: string;
  /** The first logical date: ISO date or date-time, read in `timezone` when it has no offset. */
  readonly startDate?: string;
  /** No run has a logical date after this. */
  readonly endDate?: string;
  /** Run every interval missed since `startDate` (or the last run), not only the latest. */
  readonly catchup: boolean;
}

/** One EventBridge Scheduler schedule (`CreateSchedule` fields). */
export interface EventBridgeSchedule {
  /** `cron(…)` (6 fields), `rate(…)` or `at(…)`: ScheduleExpression. */
  readonly expression: string;
  /** ScheduleExpressionTimezone. */
  readonly timezone: string;
  /** StartDate, UTC: the first run's fire time. */
  readonly startDate?: string;
  /** EndDate, UTC: just after the last run's fire time. */
  readonly endDate?: string;
}

/**
 * A run's data interval, ISO 8601 with the offset of the DAG's zone. A scheduled run's logical date is the
 * start of its interval and it fires (`runAfter`) at the end; a manual run's interval is [trigger, trigger].
 */
export interface RunInterval {
  readonly logicalDate: string;
  readonly dataIntervalStart: string;
  readonly dataIntervalEnd: string;
  readonly runAfter: string;
}

/**
 * How a run started; the prefix of its run id. `asset_triggered`: its DAG's asset condition was met (Airflow 3's
 * run type of the same name).
 */
export type RunType = 'scheduled' | 'manual' | 'backfill' | 'event' | 'asset_triggered';

/** When a run is its DAG's latest: `after < now <= until`, UTC, in the two forms below. */
export interface LatestWindow {
  /** The run's data interval start, ISO UTC with milliseconds (for people and logs). */
  readonly after: string;
  /** The end of the schedule's next interval, ISO UTC with milliseconds. */
  readonly until: string;
  /** `after` as the number `1YYYYMMDDhhmmss` (UTC, whole seconds): the form the state machine compares. */
  readonly afterKey: number;
  /** `until` as the number `1YYYYMMDDhhmmss`. */
  readonly untilKey: number;
}
