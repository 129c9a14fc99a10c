import { describe, expect, it } from 'vitest';
import { nextRuns } from '../../lib/schedule/index.ts';

/** The fire times (runAfter) of the next runs, in the DAG zone. */
const fires = (schedule: string, timezone: string, after: string, count: number) =>
  nextRuns({ expression: schedule, timezone, catchup: false }, new Date(after), count).map((run) => run.runAfter);

describe('Daylight saving time, as EventBridge Scheduler handles it', () => {
  it('skips a time the clock jumps over on the spring-forward day', () => {
    // New York, 2026-03-08: 02:00 EST becomes 03:00 EDT
    expect(fires('30 2 * * *', 'America/New_York', '2026-03-06T12:00:00Z', 3)).toEqual([
      '2026-03-07T02:30:00-05:00',
      '2026-03-09T02:30:00-04:00',
      '2026-03-10T02:30:00-04:00',
    ]);
  });

  it('fires a time the clock repeats on the fall-back day once, at its first occurrence', () => {
    // New York, 2026-11-01: 02:00 EDT becomes 01:00 EST
    expect(fires('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 2)).toEqual([
      '2026-11-01T01:30:00-04:00',
      '2026-11-02T01:30:00-05:00',
    ]);
  });

  it('leaves the other times of a change day alone, and leaves an hour without fires after the repeat', () => {
    expect(fires('*/30 * * * *', 'America/New_York', '2026-11-01T04:45:00Z', 5)).toEqual([
      '2026-11-01T01:00:00-04:00',
      '2026-11-01T01:30:00-04:00',
      '2026-11-01T02:00:00-05:00',
      '2026-11-01T02:30:00-05:00',
      '2026-11-01T03:00:00-05:00',
    ]);
  });

  it('skips midnight where the change happens at midnight (Santiago, Cairo)', () => {
    // Santiago, 2026-09-06: 00:00 -04 becomes 01:00 -03
    expect(fires('0 0 * * *', 'America/Santiago', '2026-09-04T12:00:00Z', 2)).toEqual([
      '2026-09-05T00:00:00-04:00',
      '2026-09-07T00:00:00-03:00',
    ]);
    // Cairo, 2026-04-24: 00:00 EET becomes 01:00 EEST
    expect(fires('0 0 * * *', 'Africa/Cairo', '2026-04-23T12:00:00Z', 2)).toEqual([
      '2026-04-25T00:00:00+03:00',
      '2026-04-26T00:00:00+03:00',
    ]);
  });

  it('fires the evening before a midnight fall-back once (Santiago)', () => {
    // Santiago, 2026-04-05 00:00 -03 becomes 2026-04-04 23:00 -04, so 23:00 on the 4th happens twice
    expect(fires('0 23 * * *', 'America/Santiago', '2026-04-04T12:00:00Z', 2)).toEqual([
      '2026-04-04T23:00:00-03:00',
      '2026-04-05T23:00:00-04:00',
    ]);
  });

  it('handles a 30-minute change (Lord Howe)', () => {
    // 2026-10-04 02:00 +10:30 becomes 02:30 +11; 2026-04-05 02:00 +11 becomes 01:30 +10:30
    expect(fires('15 2 * * *', 'Australia/Lord_Howe', '2026-10-02T12:00:00Z', 2)).toEqual([
      '2026-10-03T02:15:00+10:30',
      '2026-10-05T02:15:00+11:00',
    ]);
    expect(fires('45 1 * * *', 'Australia/Lord_Howe', '2026-04-04T12:00:00Z', 2)).toEqual([
      '2026-04-05T01:45:00+11:00',
      '2026-04-06T01:45:00+10:30',
    ]);
  });

  it('keeps a rate a fixed duration across the change', () => {
    const runs = nextRuns(
      { expression: 'every 1 day', timezone: 'Europe/Berlin', startDate: '2026-03-28', catchup: false },
      new Date('2026-03-28T00:00:00Z'),
      2,
    );
    expect(runs.map((run) => run.runAfter)).toEqual(['2026-03-29T00:00:00+01:00', '2026-03-30T01:00:00+02:00']);
  });
});
