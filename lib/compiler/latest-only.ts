import type { ChoiceRule } from './asl-types.ts';
import type { TaskIR } from './ir.ts';
import type { RunExits, TaskEmitContext } from './task-states.ts';

/**
 * Airflow's LatestOnlyOperator compiled to three states and no worker: a Pass notes the time the task started
 * (`$$.State.EnteredTime`, the state machine's own clock, so the cloud and the local engine decide alike), a Choice
 * compares it with the run's `ctx.latestWindow`, and a Pass writes the record: `success` with `latest` true or
 * false. Direct downstream tasks of a record with `latest: false` are skipped whatever their trigger rule (see
 * `notLatestRule`), as Airflow's branch skipping marks them; their own downstream tasks apply their rules.
 *
 * The window is Airflow's: the run is the latest when `after < now <= until` (its data interval's start, and the
 * end of the schedule's next interval). A run without one (manual, event, no next interval) always goes on.
 *
 * The times are compared as strings, not with `Timestamp…Path` rules: both sides are UTC ISO timestamps of one
 * shape (`2026-11-23T00:05:00.123Z`, as AWS writes `EnteredTime` and `latestWindow` is written), so their order is
 * the strings' order, and moto 5.2.5's Timestamp rules read no fractional seconds (every comparison is false).
 */

/** The payload field the trigger fills for scheduled and backfill runs (see `RunContext.latestWindow`). */
const WINDOW = '$.ctx.latestWindow';

/** The record flag downstream tasks read; absent on every other kind of task. */
export const LATEST_FLAG = 'latest';

export function isLatestOnly(task: TaskIR): boolean {
  return task.kind === 'latest_only';
}

/** The states of a latest-only task named `name` (its own state is the first, the Pass noting the time). */
export function latestOnlyStateNames(name: string): { check: string; latest: string; notLatest: string } {
  return { check: `${name}:check`, latest: `${name}:latest`, notLatest: `${name}:not_latest` };
}

/** Emits the task's states; returns the first one's name (the task's own state name). */
export function emitLatestOnly(c: TaskEmitContext, exits: Pick<RunExits, 'success'>): string {
  const record = `$.tasks.${c.task.key}`;
  const { check, latest, notLatest } = latestOnlyStateNames(c.name);
  c.add(c.name, {
    Type: 'Pass',
    Parameters: { 'checkedAt.$': '$$.State.EnteredTime' },
    ResultPath: record,
    Next: check,
  });
  const now = `${record}.checkedAt`;
  c.add(check, {
    Type: 'Choice',
    Choices: [
      // Rules are tried in order: without a window the comparisons below (which need it) are never evaluated.
      { Variable: WINDOW, IsPresent: false, Next: latest },
      {
        Or: [
          { Variable: now, StringLessThanEqualsPath: `${WINDOW}.after` },
          { Variable: now, StringGreaterThanPath: `${WINDOW}.until` },
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
