import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE } from './civil-date.ts';
import { cronMatchesDay } from './cron-match.ts';
import type { CronSchedule } from './cron-parse.ts';
import type { FireSequence } from './fire-sequence.ts';
import type { TimeZone } from './zoned-time.ts';

/** A full 400-year Gregorian cycle: a cron that matches no date in it matches none ever. */
const SEARCH_DAYS = 146_097;
/**
 * Largest backward clock change (a fall-back) to allow for when searching back: a fire before an instant can
 * read a later wall time than the instant itself when the clock went back in between. DST moves ≤ 2 h.
 */
const MAX_BACKWARD_SHIFT = 6 * MS_PER_HOUR;

/**
 * Fire times of a cron schedule in a zone, as EventBridge Scheduler fires them: a wall time the clock skips on
 * a spring-forward day does not fire, a wall time the clock repeats on a fall-back day fires once, at its first
 * occurrence, and every other time that day fires as usual. Walking wall times in order therefore gives fire
 * instants in order.
 */
export class CronFires implements FireSequence {
  constructor(
    private readonly cron: CronSchedule,
    private readonly zone: TimeZone,
  ) {}

  next(instant: number): number | undefined {
    const fromWall = Math.floor(this.zone.toWall(instant) / MS_PER_MINUTE) * MS_PER_MINUTE;
    const firstDay = Math.floor(fromWall / MS_PER_DAY);
    for (let day = firstDay; day <= firstDay + SEARCH_DAYS; day++) {
      if (!cronMatchesDay(this.cron, day)) continue;
      const dayWall = day * MS_PER_DAY;
      for (const hour of this.cron.hours) {
        const hourWall = dayWall + hour * MS_PER_HOUR;
        if (hourWall + MS_PER_HOUR <= fromWall) continue;
        for (const minute of this.cron.minutes) {
          const wall = hourWall + minute * MS_PER_MINUTE;
          if (wall < fromWall) continue;
          const fire = this.zone.firstInstantAt(wall);
          if (fire !== undefined && fire > instant) return fire;
        }
      }
    }
    return undefined;
  }

  prev(instant: number): number | undefined {
    const fromWall = this.zone.toWall(instant) + MAX_BACKWARD_SHIFT;
    const firstDay = Math.floor(fromWall / MS_PER_DAY);
    const { hours, minutes } = this.cron;
    for (let day = firstDay; day >= firstDay - SEARCH_DAYS; day--) {
      if (!cronMatchesDay(this.cron, day)) continue;
      const dayWall = day * MS_PER_DAY;
      for (let h = hours.length - 1; h >= 0; h--) {
        const hourWall = dayWall + hours[h]! * MS_PER_HOUR;
        if (hourWall > fromWall) continue;
        for (let m = minutes.length - 1; m >= 0; m--) {
          const wall = hourWall + minutes[m]! * MS_PER_MINUTE;
          if (wall > fromWall) continue;
          const fire = this.zone.firstInstantAt(wall);
          if (fire !== undefined && fire < instant) return fire;
        }
      }
    }
    return undefined;
  }
}

/** Whether any date in a 400-year cycle satisfies the cron's day and month fields (`0 0 30 2 *` does not). */
export function cronMatchesSomeDay(cron: CronSchedule): boolean {
  for (let day = 0; day < SEARCH_DAYS; day++) if (cronMatchesDay(cron, day)) return true;
  return false;
}
