import type { ChoiceRule } from './asl-types.ts';
import type { TaskIR } from './ir.ts';
import type { RunExits, TaskEmitContext } from './task-states.ts';

/**
 * Airflow's LatestOnlyOperator compiled to four states and no worker. Two Pass states read the time the task
 * starts (`$$.State.EnteredTime`, the state machine's own clock, so the cloud and the local engine decide alike) and
 * turn it into the number `1YYYYMMDDhhmmss` (UTC, whole seconds); a Choice compares it with the run's
 * `ctx.latestWindow` keys (the same numbers, written by lib/schedule/latest-window.ts's `secondKey`); a Pass writes
 * the record: `success` with `latest` true or false. Direct downstream tasks of a record with `latest: false` are
 * skipped whatever their trigger rule (see `notLatestRule`), as Airflow's branch skipping marks them; their own
 * downstream tasks apply their rules.
 *
 * The window is Airflow's: the run is the latest when `after < now <= until` (its data interval's start, and the
 * end of the schedule's next interval), here to the second. A run without one (manual, event, no next interval)
 * always goes on.
 *
 * Numbers, not strings or timestamps: ordering comparisons against a path are what every engine shares only for
 * numbers (MiniStack 1.5.33 has no `String…Path` / `Timestamp…Path` orderings; moto 5.2.5's timestamps read no
 * fractional seconds, and `EnteredTime` has them). Splitting on `-T:.Z+` takes the six fields from AWS's
 * `2026-11-23T00:05:00.123Z` as from an engine that writes `+00:00`; the leading 1 keeps `States.StringToJson`
 * from reading `06…` (a leading zero is not JSON).
 */

/** The payload field the trigger fills for scheduled and backfill runs (see `RunContext.latestWindow`). */
const WINDOW = '$.ctx.latestWindow';

/** The record flag downstream tasks read; absent on every other kind of task. */
export const LATEST_FLAG = 'latest';

export function isLatestOnly(task: TaskIR): boolean {
  return task.kind === 'latest_only';
}

/** The states of a latest-only task named `name`, in the order a run passes them (its own state first). */
export function latestOnlyStateNames(name: string): {
  clock: string;
  check: string;
  latest: string;
  notLatest: string;
} {
  return { clock: `${name}:clock`, check: `${name}:check`, latest: `${name}:latest`, notLatest: `${name}:not_latest` };
}

/** Emits the task's states; returns the first one's name (the task's own state name). */
export function emitLatestOnly(c: TaskEmitContext, exits: Pick<RunExits, 'success'>): string {
  const record = `$.tasks.${c.task.key}`;
  const { clock, check, latest, notLatest } = latestOnlyStateNames(c.name);
  c.add(c.name, {
    Type: 'Pass',
    Parameters: { 'parts.$': "States.StringSplit($$.State.EnteredTime, '-T:.Z+')" },
    ResultPath: record,
    Next: clock,
  });
  const fields = [0, 1, 2, 3, 4, 5].map((i) => `${record}.parts[${i}]`).join(', ');
  c.add(clock, {
    Type: 'Pass',
    Parameters: { 'now.$': `States.StringToJson(States.Format('1{}{}{}{}{}{}', ${fields}))` },
    ResultPath: record,
    Next: check,
  });
  const now = `${record}.now`;
  c.add(check, {
    Type: 'Choice',
    Choices: [
      // Rules are tried in order: without a window the comparisons below (which need it) are never evaluated.
      { Variable: WINDOW, IsPresent: false, Next: latest },
      {
        Or: [
          { Variable: now, NumericLessThanEqualsPath: `${WINDOW}.afterKey` },
          { Variable: now, NumericGreaterThanPath: `${WINDOW}.untilKey` },
        ],
        Next: notLatest,
      },
    ],
    Default: latest,
  });
  for (const [name, isLatest] of [
    [latest, true],
    [notLatest, false],
  ] as const) {
    c.add(name, {
      Type: 'Pass',
      Result: { state: 'success', output: null, [LATEST_FLAG]: isLatest },
      ResultPath: record,
      ...c.end(exits.success),
    });
  }
  return c.name;
}

/** The Choice rule a direct downstream task of a latest-only task decides first: not the latest run, skipped. */
export function notLatestRule(upstreamRecord: string): ChoiceRule {
  return { Variable: `${upstreamRecord}.${LATEST_FLAG}`, BooleanEquals: false };
}
