import { describe, expect, it } from 'vitest';
import { parseCron } from '../../lib/schedule/cron-parse.ts';

const cron = (expression: string) => {
  const parsed = parseCron(expression);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.cron;
};

describe('Function: parseCron', () => {
  it('expands steps, ranges and lists', () => {
    const parsed = cron('*/20 8-17/3 * * *');
    expect([parsed.minutes, parsed.hours]).toEqual([
      [0, 20, 40],
      [8, 11, 14, 17],
    ]);
  });

  it('reads month and weekday names in any case', () => {
    const parsed = cron('0 0 * jan,Jul mon-WED');
    expect([parsed.months, parsed.dayOfWeek?.weekdays]).toEqual([
      [1, 7],
      [1, 2, 3],
    ]);
  });

  it('wraps ranges over the end of the field and keeps counting a step across the wrap', () => {
    expect(cron('0 0 * * FRI-MON').dayOfWeek?.weekdays).toEqual([0, 1, 5, 6]);
    expect(cron('0 0 * * 5-1/2').dayOfWeek?.weekdays).toEqual([0, 5]);
    expect(cron('0 22-2 * * *').hours).toEqual([0, 1, 2, 22, 23]);
  });

  it('reads 7 as Sunday, alone or ending a range', () => {
    expect(cron('0 0 * * 7').dayOfWeek?.weekdays).toEqual([0]);
    expect(cron('0 0 * * 5-7').dayOfWeek?.weekdays).toEqual([0, 5, 6]);
    expect(cron('0 0 * * 7-2').dayOfWeek?.weekdays).toEqual([0, 1, 2]);
  });

  it('keeps L, LW, W, # and last-weekday entries apart from plain days', () => {
    expect(cron('0 0 1,L,LW,15W * *').dayOfMonth).toEqual({
      days: [1],
      last: true,
      lastWeekday: true,
      nearestWeekday: [15],
    });
    expect(cron('0 0 * * MON#1,FRI#3,5L,L0').dayOfWeek).toEqual({
      weekdays: [],
      nth: [
        { weekday: 1, n: 1 },
        { weekday: 5, n: 3 },
      ],
      last: [0, 5],
    });
  });

  it("leaves a day field unrestricted when it is '*' or '?'", () => {
    expect(cron('0 0 ? * MON')).toMatchObject({ dayOfMonth: undefined, dayOfWeek: { weekdays: [1] } });
    expect(cron('0 0 15 * *')).toMatchObject({ dayOfMonth: { days: [15] }, dayOfWeek: undefined });
  });

  it('follows croniter on a field that names every day: unrestricted only if the other field has a *', () => {
    // `*/1` names every date and the day-of-week has no `*`: both restrict, so every day matches
    expect(cron('0 0 */1 * 1')).toMatchObject({ dayOfMonth: undefined, dayOfWeek: undefined });
    // `1-31` with `*/2`: the dates count as `*`, so only the day-of-week restricts
    expect(cron('0 0 1-31 * */2')).toMatchObject({ dayOfMonth: undefined, dayOfWeek: { weekdays: [0, 2, 4, 6] } });
  });
});
