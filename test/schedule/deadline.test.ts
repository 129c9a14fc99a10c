import { describe, expect, it } from 'vitest';
import { runContextDates } from '../../lib/schedule/context-dates.ts';
import { type DeadlineSpec, deadlineAt, deadlinePassed, scheduledInterval } from '../../lib/schedule/index.ts';

const spec = (reference: DeadlineSpec['reference'], intervalSeconds: number): DeadlineSpec => ({
  reference,
  intervalSeconds,
  alert: true,
});

describe('deadlineAt', () => {
  const times = {
    logicalDate: '2026-11-22T00:00:00+00:00',
    dataIntervalEnd: '2026-11-23T00:00:00+00:00',
    queuedAt: new Date('2026-11-23T00:00:07.250Z'),
  };

  it('counts from the logical date, the data interval end or when the run was queued', () => {
    expect(deadlineAt(spec('logicalDate', 3600), times).toISOString()).toBe('2026-11-22T01:00:00.000Z');
    expect(deadlineAt(spec('dataIntervalEnd', 7200), times).toISOString()).toBe('2026-11-23T02:00:00.000Z');
    expect(deadlineAt(spec('queuedAt', 900), times).toISOString()).toBe('2026-11-23T00:15:07.250Z');
  });

  it('reads the run dates with their offset: a Berlin daily run ends its interval at 23:00 UTC', () => {
    const interval = scheduledInterval(
      { expression: '@daily', timezone: 'Europe/Berlin', catchup: false },
      new Date('2026-11-22T23:00:00Z'),
    )!;
    const dates = runContextDates(interval, 'Europe/Berlin');
    expect(dates.dataIntervalEnd).toBe('2026-11-23T00:00:00+01:00');
    const deadline = deadlineAt(spec('dataIntervalEnd', 2 * 3600), { ...dates, queuedAt: new Date(0) });
    expect(deadline.toISOString()).toBe('2026-11-23T01:00:00.000Z');
  });

  it('counts elapsed time across a DST change (New York, 2026-11-01: 2 hours after midnight is 01:00 EST)', () => {
    const deadline = deadlineAt(spec('logicalDate', 2 * 3600), {
      logicalDate: '2026-11-01T00:00:00-04:00',
      dataIntervalEnd: '2026-11-02T00:00:00-05:00',
      queuedAt: new Date(0),
    });
    expect(deadline.toISOString()).toBe('2026-11-01T06:00:00.000Z');
  });
});

describe('deadlinePassed', () => {
  it('is true once the deadline is reached or behind, so a run accepted after it misses at once', () => {
    const deadline = new Date('2026-11-23T02:00:00Z');
    expect(deadlinePassed(deadline, new Date('2026-11-23T01:59:59.999Z'))).toBe(false);
    expect(deadlinePassed(deadline, new Date('2026-11-23T02:00:00Z'))).toBe(true);
    // A backfill of last month's interval with a 2-hour deadline from its data interval end.
    const old = deadlineAt(spec('dataIntervalEnd', 7200), {
      logicalDate: '2026-10-01T00:00:00+00:00',
      dataIntervalEnd: '2026-10-02T00:00:00+00:00',
      queuedAt: new Date('2026-12-06T10:00:00Z'),
    });
    expect(deadlinePassed(old, new Date('2026-12-06T10:00:00Z'))).toBe(true);
  });
});
