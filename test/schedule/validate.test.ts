import { describe, expect, it } from 'vitest';
import { nextRuns, ScheduleError, validateSchedule } from '../../lib/schedule/index.ts';

describe('Function: validateSchedule', () => {
  it.each([
    '@daily',
    '@once',
    '0 6 * * 1-5',
    '*/15 * * * *',
    'every 15 minutes',
    'rate(2 hours)',
    '0 9 * * FRI-MON',
    '0 0 L * *',
    '0 6 * * 5#3',
    null,
  ])("accepts '%s'", (schedule) => {
    expect(
      validateSchedule({ expression: schedule, startDate: '2026-01-01', timezone: 'Europe/Berlin', catchup: false }),
    ).toEqual([]);
  });

  it.each([
    ['0 25 * * *', "schedule '0 25 * * *': hour 25 is out of range 0-23"],
    ['60 * * * *', "schedule '60 * * * *': minute 60 is out of range 0-59"],
    ['0 0 0 * *', "schedule '0 0 0 * *': day-of-month 0 is out of range 1-31"],
    ['0 0 * 13 *', "schedule '0 0 * 13 *': month 13 is out of range 1-12 (or JAN-DEC)"],
    ['0 0 * * 8', "schedule '0 0 * * 8': day-of-week 8 is out of range 0-7 (or SUN-SAT)"],
    ['0 0 * * FUN', "schedule '0 0 * * FUN': day-of-week 'FUN' is not a number or SUN-SAT"],
    [
      '0 0 * *',
      "schedule '0 0 * *': a cron expression has 5 fields (minute hour day-of-month month day-of-week), this one has 4",
    ],
    [
      '0 0 * * * 2026',
      "schedule '0 0 * * * 2026': a cron expression has 5 fields (minute hour day-of-month month day-of-week), this one has 6",
    ],
    ['*/0 * * * *', "schedule '*/0 * * * *': minute '*/0' has step 0"],
    ['0 0 1,,2 * *', "schedule '0 0 1,,2 * *': day-of-month '1,,2' has an empty list item"],
    ['0 0 * * 1#6', "schedule '0 0 * * 1#6': day-of-week '1#6': the week after '#' must be 1-5"],
    ['0 0 * * L', "schedule '0 0 * * L': day-of-week 'L' needs a weekday: '5L' is the last Friday of the month"],
    [
      '0 0 30W * *',
      "schedule '0 0 30W * *': day-of-month '30W': W works on days 1-28 (cron implementations disagree on shorter months); use 'LW' for the last weekday",
    ],
    ['0 0 30 2 *', "schedule '0 0 30 2 *' never fires: no date has that day-of-month in those months"],
    [
      '@hourlyy',
      "schedule '@hourlyy' is not a preset (@once, @hourly, @daily, @weekly, @monthly, @quarterly, @yearly)",
    ],
    [
      'cron(0 0 * * ? *)',
      "schedule 'cron(0 0 * * ? *)' is EventBridge's 6-field form; write the 5-field cron (minute hour day-of-month month day-of-week), Airstep translates it",
    ],
    [
      'every 30 seconds',
      "schedule 'every 30 seconds' is shorter than a minute, the shortest rate EventBridge Scheduler runs",
    ],
    [
      'every 90 seconds',
      "schedule 'every 90 seconds' is not a whole number of minutes: EventBridge Scheduler rates count minutes, hours or days",
    ],
    [
      'every fortnight',
      "schedule 'every fortnight' is not a rate (e.g. 'every 15 minutes', 'rate(2 hours)', '1h30m', 'PT6H')",
    ],
    ['', "schedule '' is empty; use null for a DAG that only runs when triggered"],
  ])("refuses '%s'", (schedule, message) => {
    expect(validateSchedule({ expression: schedule, timezone: 'UTC', catchup: false })).toEqual([
      { field: 'schedule', message },
    ]);
  });

  it('refuses an unknown time zone', () => {
    expect(validateSchedule({ expression: '@daily', timezone: 'Mars/Olympus_Mons', catchup: false })).toEqual([
      {
        field: 'timezone',
        message:
          "timezone 'Mars/Olympus_Mons' is not an IANA time zone (e.g. 'UTC', 'Europe/Berlin', 'America/New_York')",
      },
    ]);
  });

  it('suggests the exact spelling of a zone EventBridge would not match', () => {
    expect(validateSchedule({ expression: '@daily', timezone: 'america/new_york', catchup: false })).toEqual([
      {
        field: 'timezone',
        message:
          "timezone 'america/new_york' must be spelled as 'America/New_York': EventBridge Scheduler matches zone ids exactly",
      },
    ]);
  });

  it('refuses dates it cannot read, and an end before the start', () => {
    expect(
      validateSchedule({
        expression: '@daily',
        startDate: '2026-02-30',
        endDate: 'soon',
        timezone: 'UTC',
        catchup: false,
      }),
    ).toEqual([
      { field: 'startDate', message: "startDate '2026-02-30' is not a real date" },
      {
        field: 'endDate',
        message: "endDate 'soon' is not an ISO date or date-time (e.g. 2026-01-01 or 2026-01-01T06:00:00+01:00)",
      },
    ]);
    expect(
      validateSchedule({
        expression: '@daily',
        startDate: '2026-06-01',
        endDate: '2026-01-01',
        timezone: 'UTC',
        catchup: false,
      }),
    ).toEqual([{ field: 'endDate', message: "endDate '2026-01-01' is before startDate '2026-06-01'" }]);
  });

  it('refuses a date outside the years EventBridge can schedule', () => {
    expect(
      validateSchedule({ expression: '@daily', startDate: '0026-01-01', timezone: 'UTC', catchup: false }),
    ).toEqual([{ field: 'startDate', message: "startDate '0026-01-01' has year 26, outside 1970-2199" }]);
  });

  it('needs a start date for @once', () => {
    expect(validateSchedule({ expression: '@once', timezone: 'UTC', catchup: false })).toEqual([
      { field: 'startDate', message: "schedule '@once' needs a startDate: the one run's logical date" },
    ]);
  });

  it('reports every problem at once', () => {
    const problems = validateSchedule({
      expression: '0 0 * *',
      timezone: 'Nowhere',
      startDate: 'x',
      endDate: 'y',
      catchup: false,
    });
    expect(problems.map((problem) => problem.field)).toEqual(['schedule', 'timezone', 'startDate', 'endDate']);
  });

  it('never throws, whatever it is given', () => {
    expect(
      validateSchedule({ expression: 42 as unknown as string, timezone: 7 as unknown as string, catchup: false }),
    ).toEqual([
      { field: 'schedule', message: 'schedule must be a cron expression, a preset, a rate or null, got 42' },
      { field: 'timezone', message: 'timezone must be an IANA zone name, got 7' },
    ]);
  });
});

describe('Class: ScheduleError', () => {
  it('carries the field and the value of the first problem', () => {
    // Act
    let caught: unknown;
    try {
      nextRuns(
        { expression: '0 0 * * *', startDate: '2026-06-01', endDate: '2026-01-01', timezone: 'UTC', catchup: false },
        new Date(),
        1,
      );
    } catch (error) {
      caught = error;
    }
    // Assess
    expect(caught).toBeInstanceOf(ScheduleError);
    expect(caught).toMatchObject({
      name: 'ScheduleError',
      field: 'endDate',
      value: '2026-01-01',
      message: "endDate '2026-01-01' is before startDate '2026-06-01'",
    });
  });
});
