import { describe, expect, it } from 'vitest';
import { manualRunInterval, runContextDates, runId, ScheduleError } from '../../lib/schedule/index.ts';

describe('Function: runContextDates', () => {
  it('reads ds and ts in the DAG zone', () => {
    // Prepare: the Berlin daily run for 2026-11-22
    const interval = {
      logicalDate: '2026-11-21T23:00:00Z',
      dataIntervalStart: '2026-11-21T23:00:00Z',
      dataIntervalEnd: '2026-11-22T23:00:00Z',
      runAfter: '2026-11-22T23:00:00Z',
    };
    // Act
    const dates = runContextDates(interval, 'Europe/Berlin');
    // Assess
    expect(dates).toEqual({
      ds: '2026-11-22',
      dsNodash: '20261122',
      ts: '2026-11-22T00:00:00+01:00',
      logicalDate: '2026-11-22T00:00:00+01:00',
      dataIntervalStart: '2026-11-22T00:00:00+01:00',
      dataIntervalEnd: '2026-11-23T00:00:00+01:00',
    });
  });

  it('uses a half-hour offset as it is', () => {
    const at = '2026-11-22T00:00:00+05:30';
    const dates = runContextDates(
      { logicalDate: at, dataIntervalStart: at, dataIntervalEnd: at, runAfter: at },
      'Asia/Kolkata',
    );
    expect([dates.ds, dates.ts]).toEqual(['2026-11-22', '2026-11-22T00:00:00+05:30']);
  });

  it('refuses an unknown zone', () => {
    const at = '2026-11-22T00:00:00Z';
    const act = () =>
      runContextDates({ logicalDate: at, dataIntervalStart: at, dataIntervalEnd: at, runAfter: at }, 'Nowhere');
    expect(act).toThrow(ScheduleError);
  });
});

describe('Function: manualRunInterval', () => {
  it('takes the trigger time as logical date, so a manual run always has a ds', () => {
    // Prepare: 23:30 UTC is already the next day in Berlin
    const triggeredAt = new Date('2026-11-22T23:30:15.250Z');
    // Act
    const interval = manualRunInterval(triggeredAt, 'Europe/Berlin');
    const dates = runContextDates(interval, 'Europe/Berlin');
    // Assess
    expect(interval).toEqual({
      logicalDate: '2026-11-23T00:30:15.250+01:00',
      dataIntervalStart: '2026-11-23T00:30:15.250+01:00',
      dataIntervalEnd: '2026-11-23T00:30:15.250+01:00',
      runAfter: '2026-11-23T00:30:15.250+01:00',
    });
    expect([dates.ds, dates.dsNodash]).toEqual(['2026-11-23', '20261123']);
  });

  it('reads the trigger time in UTC by default', () => {
    expect(manualRunInterval(new Date('2026-11-22T10:00:00Z')).logicalDate).toBe('2026-11-22T10:00:00+00:00');
  });
});

describe('Function: runId', () => {
  it.each([
    ['scheduled', '2026-11-22T00:00:00+01:00', 'scheduled__2026-11-21T23:00:00+00:00'],
    ['manual', '2026-11-22T10:15:30.123Z', 'manual__2026-11-22T10:15:30.123+00:00'],
    ['backfill', '2026-11-01T00:00:00+05:30', 'backfill__2026-10-31T18:30:00+00:00'],
    ['event', '2026-11-22T10:00:00Z', 'event__2026-11-22T10:00:00+00:00'],
  ] as const)('names a %s run for %s %s', (type, logicalDate, expected) => {
    expect(runId(type, logicalDate)).toBe(expected);
  });

  it('gives one instant one id whatever offset it is written with', () => {
    expect(runId('scheduled', '2026-11-22T00:00:00+01:00')).toBe(runId('scheduled', '2026-11-21T23:00:00Z'));
  });

  it('refuses a date it cannot read', () => {
    expect(() => runId('manual', 'yesterday')).toThrow(
      "date 'yesterday' is not an ISO date or date-time (e.g. 2026-01-01 or 2026-01-01T06:00:00+01:00)",
    );
  });
});
