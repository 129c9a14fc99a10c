import { civilFromDays, MS_PER_DAY, MS_PER_HOUR } from './civil-date.ts';
import { ScheduleError } from './errors.ts';

/**
 * Wall-clock time in an IANA zone. A "wall" value is the clock reading encoded as if it were UTC
 * (`Date.UTC(year, month - 1, day, hour, minute)`), so calendar arithmetic on it never meets a DST change;
 * an "instant" is epoch milliseconds. Offsets come from `Intl.DateTimeFormat`, the tz database Node ships.
 */

export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

const NUMERIC_DATE_TIME = /^(\d+)\/(\d+)\/(\d+),?\s+(\d+):(\d+):(\d+)$/;
// IANA ids are capitalised path segments ('America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'UTC'). Intl also takes
// 'utc' or 'america/new_york', which EventBridge Scheduler would refuse, so those get a suggestion instead.
const IANA_ID = /^[A-Z][A-Za-z0-9_+-]*(?:\/[A-Z][A-Za-z0-9_+-]*)*$/;
const MAX_CACHED_HOURS = 500_000;

export class TimeZone {
  private static readonly zones = new Map<string, TimeZone>();

  /** The zone for an IANA id; throws a `ScheduleError` on `timezone` for anything else (see `timeZoneProblem`). */
  static of(name: string): TimeZone {
    const cached = TimeZone.zones.get(name);
    if (cached !== undefined) return cached;
    const problem = timeZoneProblem(name);
    if (problem !== undefined) throw new ScheduleError('timezone', name, problem);
    const zone = new TimeZone(name);
    TimeZone.zones.set(name, zone);
    return zone;
  }

  readonly name: string;
  private readonly format: Intl.DateTimeFormat;
  /** Offset per UTC hour in which it does not change; NaN for an hour that holds a transition. */
  private readonly hourOffsets = new Map<number, number>();

  private constructor(name: string) {
    this.name = name;
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Milliseconds to add to an instant to get its wall value. */
  offsetAt(instant: number): number {
    const hour = Math.floor(instant / MS_PER_HOUR);
    const known = this.hourOffsets.get(hour);
    if (known !== undefined && !Number.isNaN(known)) return known;
    if (known === undefined) {
      if (this.hourOffsets.size > MAX_CACHED_HOURS) this.hourOffsets.clear();
      const first = this.intlOffset(hour * MS_PER_HOUR);
      const last = this.intlOffset((hour + 1) * MS_PER_HOUR - 1);
      this.hourOffsets.set(hour, first === last ? first : Number.NaN);
      if (first === last) return first;
    }
    return this.intlOffset(instant);
  }

  toWall(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  wallTime(instant: number): WallTime {
    return wallFields(this.toWall(instant));
  }

  /**
   * Every instant at which the clock reads `wall`, ascending: none when a DST gap skips it, two when a
   * fall-back repeats it. Assumes at most one offset change within a day either side, true of every zone.
   */
  instantsAt(wall: number): number[] {
    const before = this.offsetAt(wall - MS_PER_DAY);
    const after = this.offsetAt(wall + MS_PER_DAY);
    const found: number[] = [];
    for (const offset of before === after ? [before] : [before, after]) {
      const instant = wall - offset;
      if (this.offsetAt(instant) === offset && !found.includes(instant)) found.push(instant);
    }
    return found.sort((a, b) => a - b);
  }

  /** EventBridge Scheduler's cron rule: a skipped wall time never fires; a repeated one fires at its first. */
  firstInstantAt(wall: number): number | undefined {
    // `instantsAt(wall)[0]` without the arrays: this runs for every candidate minute of a cron search.
    const before = this.offsetAt(wall - MS_PER_DAY);
    const after = this.offsetAt(wall + MS_PER_DAY);
    const early = wall - before;
    const earlyOk = this.offsetAt(early) === before;
    if (before === after) return earlyOk ? early : undefined;
    const late = wall - after;
    const lateOk = this.offsetAt(late) === after;
    if (earlyOk && lateOk) return Math.min(early, late);
    return earlyOk ? early : lateOk ? late : undefined;
  }

  /**
   * A wall time read as a date option: a repeated time is its first instant; a skipped time moves forward by
   * the length of the gap (02:30 on a spring-forward night is 03:30), as `Temporal` and pendulum do.
   */
  resolveWall(wall: number): number {
    const first = this.firstInstantAt(wall);
    return first !== undefined ? first : wall - this.offsetAt(wall - MS_PER_DAY);
  }

  private intlOffset(instant: number): number {
    const second = Math.floor(instant / 1000) * 1000;
    const match = NUMERIC_DATE_TIME.exec(this.format.format(second));
    let wall: number;
    if (match !== null) {
      const [, month, day, year, hour, minute, sec] = match.map(Number) as number[];
      wall = Date.UTC(year!, month! - 1, day!, hour!, minute!, sec!);
    } else {
      const parts = Object.fromEntries(this.format.formatToParts(second).map((part) => [part.type, part.value]));
      wall = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
    }
    return wall - second;
  }
}

const zoneProblems = new Map<string, string | undefined>();

/** Why `name` cannot be used as a DAG time zone, or undefined when it can. */
export function timeZoneProblem(name: string): string | undefined {
  // Building an Intl.DateTimeFormat costs ~0.1 ms, and the trigger path checks the same zone on every fire.
  if (!zoneProblems.has(name)) {
    if (zoneProblems.size > 1000) zoneProblems.clear();
    zoneProblems.set(name, findTimeZoneProblem(name));
  }
  return zoneProblems.get(name);
}

function findTimeZoneProblem(name: string): string | undefined {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return `timezone '${name}' is not an IANA time zone (e.g. 'UTC', 'Europe/Berlin', 'America/New_York')`;
  }
  if (!IANA_ID.test(name)) {
    const spelled = [resolved, ...Intl.supportedValuesOf('timeZone')].find(
      (id) => id.toLowerCase() === name.toLowerCase(),
    );
    const hint = spelled !== undefined ? `'${spelled}'` : `its IANA id (e.g. 'Europe/Berlin')`;
    return `timezone '${name}' must be spelled as ${hint}: EventBridge Scheduler matches zone ids exactly`;
  }
  return undefined;
}

export function wallFields(wall: number): WallTime {
  const days = Math.floor(wall / MS_PER_DAY);
  const { year, month, day } = civilFromDays(days);
  let rest = wall - days * MS_PER_DAY;
  const hour = Math.floor(rest / MS_PER_HOUR);
  rest -= hour * MS_PER_HOUR;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  return { year, month, day, hour, minute, second, millisecond: rest - second * 1000 };
}
