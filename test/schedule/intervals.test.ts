import { describe, expect, it } from 'vitest';
import {
  backfillIntervals,
  catchupIntervals,
  nextRuns,
  ScheduleError,
  scheduledInterval,
} from '../../lib/schedule/index.ts';

/** `logicalDate -> runAfter` per run, easy to read in a failure. */
const brief = (runs: Array<{ logicalDate: string; runAfter: string }>) =>
  runs.map((run) => `${run.logicalDate} -> ${run.runAfter}`);

describe('Function: nextRuns', () => {
  it('gives a daily run the day as its interval and fires it at the next midnight in the DAG zone', () => {
    // Prepare
    const spec = { expression: '@daily', timezone: 'Europe/Berlin', startDate: '2026-11-01', catchup: false };
    // Act
    const [run] = nextRuns(spec, new Date('2026-11-22T12:00:00Z'), 1);
    // Assess
    expect(run).toEqual({
      logicalDate: '2026-11-22T00:00:00+01:00',
      dataIntervalStart: '2026-11-22T00:00:00+01:00',
      dataIntervalEnd: '2026-11-23T00:00:00+01:00',
      runAfter: '2026-11-23T00:00:00+01:00',
    });
  });

  it('starts with the first whole interval at or after the start date', () => {
    const spec = { expression: '@daily', startDate: '2026-11-01T06:00', timezone: 'UTC', catchup: false };
    expect(brief(nextRuns(spec, new Date('2026-01-01T00:00:00Z'), 2))).toEqual([
      '2026-11-02T00:00:00+00:00 -> 2026-11-03T00:00:00+00:00',
      '2026-11-03T00:00:00+00:00 -> 2026-11-04T00:00:00+00:00',
    ]);
  });

  it('gives no run a logical date after the end date', () => {
    const spec = {
      expression: '@daily',
      startDate: '2026-11-01',
      endDate: '2026-11-03',
      timezone: 'UTC',
      catchup: false,
    };
    expect(brief(nextRuns(spec, new Date('2026-01-01T00:00:00Z'), 10))).toEqual([
      '2026-11-01T00:00:00+00:00 -> 2026-11-02T00:00:00+00:00',
      '2026-11-02T00:00:00+00:00 -> 2026-11-03T00:00:00+00:00',
      '2026-11-03T00:00:00+00:00 -> 2026-11-04T00:00:00+00:00',
    ]);
  });

  it('counts only runs that fire strictly after the given instant', () => {
    const spec = { expression: '@hourly', timezone: 'UTC', catchup: false };
    expect(brief(nextRuns(spec, new Date('2026-11-22T10:00:00Z'), 1))).toEqual([
      '2026-11-22T10:00:00+00:00 -> 2026-11-22T11:00:00+00:00',
    ]);
  });

  it('fires on the last day of every month with L, February included', () => {
    const spec = { expression: '0 12 L * *', timezone: 'UTC', catchup: false };
    expect(brief(nextRuns(spec, new Date('2027-01-15T00:00:00Z'), 3))).toEqual([
      '2026-12-31T12:00:00+00:00 -> 2027-01-31T12:00:00+00:00',
      '2027-01-31T12:00:00+00:00 -> 2027-02-28T12:00:00+00:00',
      '2027-02-28T12:00:00+00:00 -> 2027-03-31T12:00:00+00:00',
    ]);
    expect(brief(nextRuns(spec, new Date('2028-02-01T00:00:00Z'), 1))).toEqual([
      '2028-01-31T12:00:00+00:00 -> 2028-02-29T12:00:00+00:00',
    ]);
  });

  it('fires a Feb 29 schedule in leap years only', () => {
    expect(
      brief(
        nextRuns({ expression: '0 0 29 2 *', timezone: 'UTC', catchup: false }, new Date('2026-01-01T00:00:00Z'), 2),
      ),
    ).toEqual([
      '2024-02-29T00:00:00+00:00 -> 2028-02-29T00:00:00+00:00',
      '2028-02-29T00:00:00+00:00 -> 2032-02-29T00:00:00+00:00',
    ]);
  });

  it('skips months without the day for day 31', () => {
    const runs = nextRuns(
      { expression: '0 0 31 * *', timezone: 'UTC', catchup: false },
      new Date('2026-01-01T00:00:00Z'),
      7,
    );
    expect(runs.map((run) => run.runAfter.slice(0, 10))).toEqual([
      '2026-01-31',
      '2026-03-31',
      '2026-05-31',
      '2026-07-31',
      '2026-08-31',
      '2026-10-31',
      '2026-12-31',
    ]);
  });

  it('fires on days matching either day field when both are restricted', () => {
    // 2026-06-01 is a Monday; the 15th is a Monday too
    const runs = nextRuns(
      { expression: '0 0 1,15 * MON', timezone: 'UTC', catchup: false },
      new Date('2026-05-31T00:00:00Z'),
      5,
    );
    expect(runs.map((run) => run.runAfter.slice(0, 10))).toEqual([
      '2026-06-01',
      '2026-06-08',
      '2026-06-15',
      '2026-06-22',
      '2026-06-29',
    ]);
  });

  it('runs the nearest weekday with W and the last weekday with LW', () => {
    // 2026-08-15 is a Saturday (so Friday the 14th); 2026-05-31 is a Sunday (so Friday the 29th)
    expect(
      nextRuns({ expression: '0 0 15W * *', timezone: 'UTC', catchup: false }, new Date('2026-08-01T00:00:00Z'), 1)[0]!
        .runAfter,
    ).toBe('2026-08-14T00:00:00+00:00');
    expect(
      nextRuns({ expression: '0 0 LW * *', timezone: 'UTC', catchup: false }, new Date('2026-05-01T00:00:00Z'), 1)[0]!
        .runAfter,
    ).toBe('2026-05-29T00:00:00+00:00');
  });

  it('runs a rate every fixed duration from the start date', () => {
    const spec = {
      expression: 'every 6 hours',
      timezone: 'America/New_York',
      startDate: '2026-03-07T12:00',
      catchup: false,
    };
    expect(brief(nextRuns(spec, new Date('2026-03-07T00:00:00Z'), 4))).toEqual([
      '2026-03-07T12:00:00-05:00 -> 2026-03-07T18:00:00-05:00',
      '2026-03-07T18:00:00-05:00 -> 2026-03-08T00:00:00-05:00',
      // six hours of elapsed time across the spring-forward change read 07:00 on the clock
      '2026-03-08T00:00:00-05:00 -> 2026-03-08T07:00:00-04:00',
      '2026-03-08T07:00:00-04:00 -> 2026-03-08T13:00:00-04:00',
    ]);
  });

  it('runs @once at its start date, with an empty interval, and never again', () => {
    const spec = { expression: '@once', startDate: '2026-12-01T06:00:00Z', timezone: 'UTC', catchup: false };
    expect(nextRuns(spec, new Date('2026-11-22T00:00:00Z'), 3)).toEqual([
      {
        logicalDate: '2026-12-01T06:00:00+00:00',
        dataIntervalStart: '2026-12-01T06:00:00+00:00',
        dataIntervalEnd: '2026-12-01T06:00:00+00:00',
        runAfter: '2026-12-01T06:00:00+00:00',
      },
    ]);
    expect(nextRuns(spec, new Date('2026-12-01T06:00:00Z'), 3)).toEqual([]);
  });

  it('has no runs for a manual-only DAG', () => {
    expect(
      nextRuns({ expression: null, timezone: 'UTC', catchup: false }, new Date('2026-11-22T00:00:00Z'), 3),
    ).toEqual([]);
  });
});

describe('Function: catchupIntervals', () => {
  const now = new Date('2026-11-05T10:00:00Z');

  it('with catchup, owes every interval that ended since the start date, oldest first', () => {
    // Prepare
    const spec = { expression: '@daily', startDate: '2026-11-01', catchup: true, timezone: 'UTC' };
    // Act
    const runs = catchupIntervals(spec, now);
    // Assess
    expect(runs.map((run) => run.logicalDate)).toEqual([
      '2026-11-01T00:00:00+00:00',
      '2026-11-02T00:00:00+00:00',
      '2026-11-03T00:00:00+00:00',
      '2026-11-04T00:00:00+00:00',
    ]);
  });

  it('continues after the last run and stops at the limit', () => {
    const spec = { expression: '@hourly', startDate: '2026-01-01', catchup: true, timezone: 'UTC' };
    const runs = catchupIntervals(spec, now, { lastLogicalDate: '2026-11-05T03:00:00Z', limit: 3 });
    expect(runs.map((run) => run.logicalDate)).toEqual([
      '2026-11-05T04:00:00+00:00',
      '2026-11-05T05:00:00+00:00',
      '2026-11-05T06:00:00+00:00',
    ]);
  });

  it('enumerates a long catchup in pages of at most limit runs', () => {
    const spec = { expression: '*/5 * * * *', startDate: '2026-01-01', catchup: true, timezone: 'UTC' };
    const first = catchupIntervals(spec, now, { limit: 1000 });
    const second = catchupIntervals(spec, now, { limit: 1000, lastLogicalDate: first.at(-1)!.logicalDate });
    expect(first).toHaveLength(1000);
    expect(second[0]!.logicalDate).toBe(first.at(-1)!.runAfter);
  });

  it('without catchup, owes only the latest interval that ended', () => {
    const spec = { expression: '@daily', startDate: '2026-11-01', catchup: false, timezone: 'UTC' };
    expect(brief(catchupIntervals(spec, now))).toEqual(['2026-11-04T00:00:00+00:00 -> 2026-11-05T00:00:00+00:00']);
  });

  it('without catchup, owes nothing when the latest interval already ran', () => {
    const spec = { expression: '@daily', startDate: '2026-11-01', timezone: 'UTC', catchup: false };
    expect(catchupIntervals(spec, now, { lastLogicalDate: '2026-11-04' })).toEqual([]);
  });

  it('owes nothing before the first interval has ended', () => {
    const spec = { expression: '@daily', startDate: '2026-11-05', catchup: true, timezone: 'UTC' };
    expect(catchupIntervals(spec, now)).toEqual([]);
  });

  it('stops at the end date', () => {
    const spec = {
      expression: '@daily',
      startDate: '2026-11-01',
      endDate: '2026-11-02',
      catchup: true,
      timezone: 'UTC',
    };
    expect(catchupIntervals(spec, now).map((run) => run.logicalDate)).toEqual([
      '2026-11-01T00:00:00+00:00',
      '2026-11-02T00:00:00+00:00',
    ]);
    expect(brief(catchupIntervals({ ...spec, catchup: false }, now))).toEqual([
      '2026-11-02T00:00:00+00:00 -> 2026-11-03T00:00:00+00:00',
    ]);
  });

  it('owes a past @once its run until it has run, whatever catchup says', () => {
    const spec = { expression: '@once', startDate: '2026-11-01T06:00:00Z', catchup: false, timezone: 'UTC' };
    expect(catchupIntervals(spec, now).map((run) => run.logicalDate)).toEqual(['2026-11-01T06:00:00+00:00']);
    expect(catchupIntervals(spec, now, { lastLogicalDate: '2026-11-01T06:00:00Z' })).toEqual([]);
  });
});

describe('Function: backfillIntervals', () => {
  const spec = { expression: '@daily', timezone: 'Asia/Kolkata', catchup: false };

  it('gives the runs whose logical dates fall in the range, ends included', () => {
    const runs = backfillIntervals(spec, '2026-11-01', '2026-11-03');
    expect(brief(runs)).toEqual([
      '2026-11-01T00:00:00+05:30 -> 2026-11-02T00:00:00+05:30',
      '2026-11-02T00:00:00+05:30 -> 2026-11-03T00:00:00+05:30',
      '2026-11-03T00:00:00+05:30 -> 2026-11-04T00:00:00+05:30',
    ]);
  });

  it('gives them newest first with reverse', () => {
    const runs = backfillIntervals(spec, '2026-11-01', '2026-11-03', { reverse: true });
    expect(runs.map((run) => run.logicalDate.slice(0, 10))).toEqual(['2026-11-03', '2026-11-02', '2026-11-01']);
  });

  it('is not limited by the DAG start date', () => {
    const runs = backfillIntervals({ ...spec, startDate: '2026-11-02' }, '2026-11-01', '2026-11-01');
    expect(runs).toHaveLength(1);
  });

  it('refuses a range that ends before it starts', () => {
    const act = () => backfillIntervals(spec, '2026-11-03', '2026-11-01');
    expect(act).toThrow(new ScheduleError('to', '2026-11-01', "to '2026-11-01' is before from '2026-11-03'"));
  });

  it('refuses a range with more runs than the limit', () => {
    const act = () =>
      backfillIntervals({ expression: '* * * * *', timezone: 'UTC', catchup: false }, '2026-01-01', '2027-01-01');
    expect(act).toThrow("from '2026-01-01' to '2027-01-01' holds more than 10000 runs; backfill a shorter range");
  });

  it('refuses a manual-only DAG', () => {
    const act = () =>
      backfillIntervals({ expression: null, timezone: 'UTC', catchup: false }, '2026-11-01', '2026-11-03');
    expect(act).toThrow('schedule null has no intervals to backfill: the DAG only runs when triggered');
  });
});

describe('Function: scheduledInterval', () => {
  const spec = { expression: '@daily', timezone: 'Europe/Berlin', startDate: '2026-11-01', catchup: false };

  it('maps a fire to the run that fires then', () => {
    expect(brief([scheduledInterval(spec, new Date('2026-11-22T23:00:00Z'))!])).toEqual([
      '2026-11-22T00:00:00+01:00 -> 2026-11-23T00:00:00+01:00',
    ]);
  });

  it('maps a late fire to the same run', () => {
    const onTime = scheduledInterval(spec, new Date('2026-11-22T23:00:00Z'));
    expect(scheduledInterval(spec, new Date('2026-11-22T23:00:42Z'))).toEqual(onTime);
  });

  it('maps the two schedules of a day matching both day fields to one run', () => {
    // 2026-06-01 is a Monday: cron(0 0 1 * ? *) and cron(0 0 ? * 2 *) both fire at its midnight
    const both = { expression: '0 0 1 * 1', timezone: 'UTC', catchup: false };
    const run = scheduledInterval(both, new Date('2026-06-01T00:00:00Z'))!;
    expect(brief([run])).toEqual(['2026-05-25T00:00:00+00:00 -> 2026-06-01T00:00:00+00:00']);
  });

  it('gives no run for a fire before the first interval ended', () => {
    expect(scheduledInterval(spec, new Date('2026-11-01T12:00:00Z'))).toBeUndefined();
  });
});
