import { describe, expect, it } from 'vitest';
import { ScheduleError, toEventBridgeSchedules } from '../../lib/schedule/index.ts';

const expressions = (schedule: string, timezone = 'UTC') =>
  toEventBridgeSchedules({ expression: schedule, timezone, catchup: false }).map((entry) => entry.expression);

describe('Function: toEventBridgeSchedules', () => {
  it.each([
    ['@hourly', 'cron(0 * * * ? *)'],
    ['@daily', 'cron(0 0 * * ? *)'],
    ['@weekly', 'cron(0 0 ? * 1 *)'],
    ['@monthly', 'cron(0 0 1 * ? *)'],
    ['@quarterly', 'cron(0 0 1 1/3 ? *)'],
    ['@yearly', 'cron(0 0 1 1 ? *)'],
    ['*/15 * * * *', 'cron(0/15 * * * ? *)'],
    ['5/20 */6 * * *', 'cron(5/20 0/6 * * ? *)'],
    ['0 9 * * 1-5', 'cron(0 9 ? * 2-6 *)'],
    ['0 9 * * MON-FRI', 'cron(0 9 ? * 2-6 *)'],
    ['0 9 * * 5-1', 'cron(0 9 ? * 1,2,6,7 *)'],
    ['0 9 * * FRI-SUN', 'cron(0 9 ? * 1,6,7 *)'],
    ['0 9 * * 5-7', 'cron(0 9 ? * 1,6,7 *)'],
    ['0 9 * * 7', 'cron(0 9 ? * 1 *)'],
    ['0 0 * * */2', 'cron(0 0 ? * 1,3,5,7 *)'],
    ['0 0 */2 * *', 'cron(0 0 1/2 * ? *)'],
    ['0 22-2 * * *', 'cron(0 0-2,22,23 * * ? *)'],
    ['10 1-3/2 * * *', 'cron(10 1,3 * * ? *)'],
    ['0 3 1 JAN,JUL *', 'cron(0 3 1 1,7 ? *)'],
    ['0 4 28-3 * *', 'cron(0 4 1-3,28-31 * ? *)'],
    ['0 0 L * *', 'cron(0 0 L * ? *)'],
    ['0 0 L 2 *', 'cron(0 0 L 2 ? *)'],
    ['0 0 29 2 *', 'cron(0 0 29 2 ? *)'],
    ['0 18 LW * *', 'cron(0 18 LW * ? *)'],
    ['0 0 15W * *', 'cron(0 0 15W * ? *)'],
    ['0 6 * * 1#1', 'cron(0 6 ? * 2#1 *)'],
    ['0 6 * * 5L', 'cron(0 6 ? * 6L *)'],
    ['0 6 * * L5', 'cron(0 6 ? * 6L *)'],
    ['0 0 1-31 * 1', 'cron(0 0 * * ? *)'],
    ['0 0 * * 0-6', 'cron(0 0 * * ? *)'],
  ])("translates '%s' to %s", (schedule, expected) => {
    // Act
    const result = expressions(schedule);
    // Assess
    expect(result).toEqual([expected]);
  });

  it('emits one schedule per day rule when both day fields restrict, since cron fires on either', () => {
    // Act
    const result = expressions('0 0 1,15 * 1');
    // Assess
    expect(result).toEqual(['cron(0 0 1,15 * ? *)', 'cron(0 0 ? * 2 *)']);
  });

  it('emits one schedule per # or L entry, which EventBridge allows only alone in day-of-week', () => {
    expect(expressions('0 2 * * 0#2,4#4')).toEqual(['cron(0 2 ? * 1#2 *)', 'cron(0 2 ? * 5#4 *)']);
    expect(expressions('30 23 L * 5L,1#1')).toEqual([
      'cron(30 23 L * ? *)',
      'cron(30 23 ? * 2#1 *)',
      'cron(30 23 ? * 6L *)',
    ]);
    expect(expressions('0 9 * * MON,WED#2,MON#1')).toEqual(['cron(0 9 ? * 2 *)', 'cron(0 9 ? * 4#2 *)']);
  });

  it('splits day-of-month lists that mix days with L or W', () => {
    expect(expressions('0 0,12 1,L * *')).toEqual(['cron(0 0,12 1 * ? *)', 'cron(0 0,12 L * ? *)']);
    expect(expressions('0 8 1W,15W * *')).toEqual(['cron(0 8 1W * ? *)', 'cron(0 8 15W * ? *)']);
  });

  it('keeps the longest possible expression within the 256 characters EventBridge accepts', () => {
    // Prepare: lists that no range or step can shorten, in every field
    const notThirds = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, index) => from + index).filter((value) => value % 3 !== 0);
    const schedule = [notThirds(0, 59), notThirds(0, 23), notThirds(1, 31), notThirds(1, 12)]
      .map((list) => list.join(','))
      .concat('*')
      .join(' ');
    // Act
    const [result] = expressions(schedule);
    // Assess
    expect(result!.length).toBeLessThanOrEqual(256);
    expect(result).toBe(
      'cron(1,2,4,5,7,8,10,11,13,14,16,17,19,20,22,23,25,26,28,29,31,32,34,35,37,38,40,41,43,44,46,47,49,50,52,53,55,56,58,59 1,2,4,5,7,8,10,11,13,14,16,17,19,20,22,23 1,2,4,5,7,8,10,11,13,14,16,17,19,20,22,23,25,26,28,29,31 1,2,4,5,7,8,10,11 ? *)',
    );
  });

  it('passes the time zone through as ScheduleExpressionTimezone', () => {
    expect(toEventBridgeSchedules({ expression: '0 6 * * *', timezone: 'Europe/Berlin', catchup: false })).toEqual([
      { expression: 'cron(0 6 * * ? *)', timezone: 'Europe/Berlin' },
    ]);
  });

  it('returns no schedule for a manual-only DAG', () => {
    expect(toEventBridgeSchedules({ expression: null, timezone: 'Europe/Berlin', catchup: false })).toEqual([]);
  });

  it('starts at the first run and ends one second after the last run fires', () => {
    // Prepare: runs for 2026-11-01 … 2026-11-30, each firing at the next midnight in Berlin
    const spec = {
      expression: '@daily',
      timezone: 'Europe/Berlin',
      startDate: '2026-11-01',
      endDate: '2026-11-30',
      catchup: false,
    };
    // Act
    const result = toEventBridgeSchedules(spec);
    // Assess
    expect(result).toEqual([
      {
        expression: 'cron(0 0 * * ? *)',
        timezone: 'Europe/Berlin',
        startDate: '2026-11-01T23:00:00Z',
        endDate: '2026-11-30T23:00:01Z',
      },
    ]);
  });

  it('moves a past start to the first run due at or after now, as EventBridge refuses past start dates', () => {
    // Prepare
    const spec = { expression: '@daily', startDate: '2026-01-01', timezone: 'UTC', catchup: false };
    // Act
    const result = toEventBridgeSchedules(spec, { now: new Date('2026-11-22T10:00:00Z') });
    // Assess
    expect(result).toEqual([{ expression: 'cron(0 0 * * ? *)', timezone: 'UTC', startDate: '2026-11-23T00:00:00Z' }]);
  });

  it('drops a schedule whose runs are all in the past when deploying', () => {
    const spec = {
      expression: '@daily',
      startDate: '2026-01-01',
      endDate: '2026-06-30',
      timezone: 'UTC',
      catchup: false,
    };
    expect(toEventBridgeSchedules(spec, { now: new Date('2026-11-22T10:00:00Z') })).toEqual([]);
  });

  describe('rates', () => {
    it.each([
      ['every 15 minutes', 'rate(15 minutes)'],
      ['rate(1 hour)', 'rate(1 hour)'],
      ['rate(2 hours)', 'rate(2 hours)'],
      ['every 1 day', 'rate(1 day)'],
      ['90m', 'rate(90 minutes)'],
      ['1h30m', 'rate(90 minutes)'],
      ['PT6H', 'rate(6 hours)'],
      ['2 weeks', 'rate(14 days)'],
    ])("translates '%s' to %s", (schedule, expected) => {
      const [result] = toEventBridgeSchedules({
        expression: schedule,
        startDate: '2026-01-01',
        timezone: 'UTC',
        catchup: false,
      });
      expect(result).toEqual({ expression: expected, timezone: 'UTC', startDate: expect.any(String) });
    });

    it('pins the cadence with StartDate: the end of the first interval', () => {
      const spec = { expression: 'every 6 hours', startDate: '2026-01-01T03:00:00Z', timezone: 'UTC', catchup: false };
      expect(toEventBridgeSchedules(spec)).toEqual([
        { expression: 'rate(6 hours)', timezone: 'UTC', startDate: '2026-01-01T09:00:00Z' },
      ]);
    });

    it('keeps the cadence when a deploy moves the start to now', () => {
      const spec = { expression: 'every 6 hours', startDate: '2026-01-01T03:00:00Z', timezone: 'UTC', catchup: false };
      const result = toEventBridgeSchedules(spec, { now: new Date('2026-11-22T10:00:00Z') });
      expect(result).toEqual([{ expression: 'rate(6 hours)', timezone: 'UTC', startDate: '2026-11-22T15:00:00Z' }]);
    });

    it('counts a rate without start date from the epoch, so it keeps to the clock', () => {
      const spec = { expression: 'every 15 minutes', timezone: 'UTC', catchup: false };
      expect(toEventBridgeSchedules(spec, { now: new Date('2026-11-22T10:07:30Z') })).toEqual([
        { expression: 'rate(15 minutes)', timezone: 'UTC', startDate: '2026-11-22T10:15:00Z' },
      ]);
    });
  });

  describe('@once', () => {
    it('fires at(…) at the start date, in the DAG zone', () => {
      const spec = { expression: '@once', timezone: 'Europe/Berlin', startDate: '2026-12-01T06:00', catchup: false };
      expect(toEventBridgeSchedules(spec)).toEqual([
        { expression: 'at(2026-12-01T06:00:00)', timezone: 'Europe/Berlin' },
      ]);
    });

    it('writes a start date whose wall time repeats on a fall-back night in UTC, which is unambiguous', () => {
      // Prepare: 01:30 EST, the second 01:30 of 2026-11-01 in New York
      const spec = {
        expression: '@once',
        timezone: 'America/New_York',
        startDate: '2026-11-01T01:30:00-05:00',
        catchup: false,
      };
      // Act / Assess
      expect(toEventBridgeSchedules(spec)).toEqual([{ expression: 'at(2026-11-01T06:30:00)', timezone: 'UTC' }]);
    });

    it('has nothing to deploy once its time has passed', () => {
      const spec = { expression: '@once', startDate: '2026-01-01', timezone: 'UTC', catchup: false };
      expect(toEventBridgeSchedules(spec, { now: new Date('2026-11-22T00:00:00Z') })).toEqual([]);
    });
  });

  it('throws a ScheduleError naming the field for an invalid spec', () => {
    // Act
    const act = () =>
      toEventBridgeSchedules({ expression: '0 0 * * *', timezone: 'Mars/Olympus_Mons', catchup: false });
    // Assess
    expect(act).toThrow(ScheduleError);
    expect(act).toThrow(expect.objectContaining({ field: 'timezone', value: 'Mars/Olympus_Mons' }));
  });
});
