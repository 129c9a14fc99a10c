import { afterEach, describe, expect, it, vi } from 'vitest';
import { utcDayWithRoom } from './utc-day.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('utcDayWithRoom', () => {
  it("gives today's midnight when the day has the room left", async () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-07T23:50:00.000Z') });
    expect(new Date(await utcDayWithRoom(9 * 60_000)).toISOString()).toBe('2026-12-07T00:00:00.000Z');
  });

  it("waits for the next day when less is left, and gives that day's midnight", async () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-31T23:58:30.000Z') });
    let day: number | undefined;
    const waiting = utcDayWithRoom(5 * 60_000).then((value) => {
      day = value;
    });
    await vi.advanceTimersByTimeAsync(89_000);
    expect(day).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1_000);
    await waiting;
    expect(new Date(day!).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse('2027-01-01T00:00:00.000Z'));
  });
});
