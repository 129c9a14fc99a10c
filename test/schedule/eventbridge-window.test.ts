import { beforeAll, describe, expect, it } from 'vitest';
import { nextRuns, toEventBridgeSchedules } from '../../lib/schedule/index.ts';
import { awsCronMatcher } from './reference/aws-cron.ts';
import { referenceFires, type WallClockTable, wallClockTable } from './reference/wall-clock-table.ts';

/**
 * StartDate and EndDate: the EventBridge schedules, evaluated minute by minute with EventBridge's rules and cut
 * to their window, fire exactly when lib/schedule's runs are due, whether the window's ends are read as
 * inclusive or exclusive. New York, February to April 2026, across the spring-forward change.
 */
const ZONE = 'America/New_York';
const RANGE = { start: Date.UTC(2026, 1, 1), end: Date.UTC(2026, 4, 1) };

describe('EventBridge StartDate and EndDate', () => {
  let table: WallClockTable;
  beforeAll(() => {
    table = wallClockTable(ZONE, RANGE.start, RANGE.end);
  });

  it.each([
    ['30 2 * * *', '2026-03-01', '2026-03-20'],
    ['@hourly', '2026-03-07T22:30', '2026-03-08T04:00'],
    ['*/30 * * * *', '2026-03-08T00:00', '2026-03-08T03:30'],
    ['0 0 1,15 * 1', '2026-02-10', '2026-04-06'],
    ['0 9 * * 5L', '2026-02-27T09:00', '2026-03-27T09:00'],
    ['0 0 L * *', '2026-02-28', '2026-03-31'],
  ])("'%s' from %s to %s", (schedule, startDate, endDate) => {
    // Prepare
    const spec = { expression: schedule, timezone: ZONE, startDate, endDate, catchup: false };
    const due = nextRuns(spec, new Date(RANGE.start), 10_000).map((run) => Date.parse(run.runAfter));
    // Act
    const schedules = toEventBridgeSchedules(spec);
    const fired = (inclusiveEnd: boolean) => {
      const all = new Set<number>();
      for (const { expression, startDate: from, endDate: to } of schedules) {
        const aws = awsCronMatcher(expression);
        const fires = referenceFires(
          table,
          aws.minute,
          aws.hour,
          (year, ...rest) => aws.year(year) && aws.date(year, ...rest),
        );
        for (const fire of fires) {
          const afterStart = fire >= Date.parse(from!);
          const beforeEnd = inclusiveEnd ? fire <= Date.parse(to!) : fire < Date.parse(to!);
          if (afterStart && beforeEnd) all.add(fire);
        }
      }
      return [...all].sort((a, b) => a - b);
    };
    // Assess
    expect(due.length).toBeGreaterThan(0);
    expect(fired(true)).toEqual(due);
    expect(fired(false)).toEqual(due);
  });
});
