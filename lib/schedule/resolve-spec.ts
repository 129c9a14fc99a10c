import { CronFires, cronMatchesSomeDay } from './cron-fires.ts';
import { ScheduleError, type ScheduleProblem } from './errors.ts';
import type { FireSequence } from './fire-sequence.ts';
import { parseIsoInstant } from './iso-time.ts';
import { type ParsedSchedule, parseSchedule } from './parse-schedule.ts';
import { RateFires } from './rate.ts';
import type { ScheduleSpec } from './types.ts';
import { TimeZone, timeZoneProblem } from './zoned-time.ts';

/** A valid spec, read: the schedule, its zone, its window as instants, and its fire times. */
export interface ResolvedSpec {
  readonly schedule: ParsedSchedule;
  readonly zone: TimeZone;
  readonly start?: number;
  readonly end?: number;
  readonly catchup: boolean;
  /** Fire times of a cron or rate schedule (a rate counts from the start date, else from the Unix epoch). */
  readonly fires?: FireSequence;
}

/** Every problem with a spec, and the spec read when there are none. */
export function checkSpec(spec: ScheduleSpec): { resolved?: ResolvedSpec; problems: ScheduleProblem[] } {
  const problems: ScheduleProblem[] = [];
  const input = (spec ?? {}) as Partial<Record<keyof ScheduleSpec, unknown>>;

  const parsed = parseSchedule(input.expression);
  if ('error' in parsed) problems.push({ field: 'schedule', message: parsed.error });
  else if (parsed.schedule.kind === 'cron' && !cronMatchesSomeDay(parsed.schedule.cron)) {
    problems.push({
      field: 'schedule',
      message: `schedule '${input.expression}' never fires: no date has that day-of-month in those months`,
    });
  }

  const zoneName = input.timezone ?? 'UTC';
  let zone = TimeZone.of('UTC');
  if (typeof zoneName !== 'string') {
    problems.push({
      field: 'timezone',
      message: `timezone must be an IANA zone name, got ${JSON.stringify(zoneName)}`,
    });
  } else {
    const zoneProblem = timeZoneProblem(zoneName);
    if (zoneProblem !== undefined) problems.push({ field: 'timezone', message: zoneProblem });
    else zone = TimeZone.of(zoneName);
  }

  const start = readDate('startDate', input.startDate, zone, problems);
  const end = readDate('endDate', input.endDate, zone, problems);
  if (start !== undefined && end !== undefined && end < start) {
    problems.push({ field: 'endDate', message: `endDate '${input.endDate}' is before startDate '${input.startDate}'` });
  }
  if ('schedule' in parsed && parsed.schedule.kind === 'once' && input.startDate === undefined) {
    problems.push({ field: 'startDate', message: `schedule '@once' needs a startDate: the one run's logical date` });
  }
  if (problems.length > 0 || !('schedule' in parsed)) return { problems };

  const schedule = parsed.schedule;
  const fires =
    schedule.kind === 'cron'
      ? new CronFires(schedule.cron, zone)
      : schedule.kind === 'rate'
        ? new RateFires(start ?? 0, schedule.everyMs)
        : undefined;
  const resolved: ResolvedSpec = {
    schedule,
    zone,
    ...(start !== undefined ? { start } : {}),
    ...(end !== undefined ? { end } : {}),
    catchup: input.catchup === true,
    ...(fires !== undefined ? { fires } : {}),
  };
  return { resolved, problems };
}

/** The spec read, or a `ScheduleError` for its first problem. */
export function resolveSpec(spec: ScheduleSpec): ResolvedSpec {
  const { resolved, problems } = checkSpec(spec);
  if (resolved !== undefined) return resolved;
  const problem = problems[0]!;
  throw ScheduleError.from(problem, (spec as unknown as Record<string, unknown> | undefined)?.[problem.field]);
}

/** An instant argument (`after`, `now`): a valid `Date`. */
export function instantOf(value: Date, field: 'after' | 'now' | 'triggeredAt'): number {
  const time = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(time)) throw new ScheduleError(field, value, `${field} must be a valid Date, got ${String(value)}`);
  return time;
}

/** A date argument (`from`, `to`, `lastLogicalDate`, a CLI's `--after`) read in the DAG's zone. */
export function dateArgument(field: 'from' | 'to' | 'logicalDate' | 'after', text: string, zone: TimeZone): number {
  const parsed = typeof text === 'string' ? parseIsoInstant(text, zone) : { error: 'is not a string' };
  if ('error' in parsed) throw new ScheduleError(field, text, `${field} '${text}' ${parsed.error}`);
  return parsed.instant;
}

function readDate(
  field: 'startDate' | 'endDate',
  value: unknown,
  zone: TimeZone,
  problems: ScheduleProblem[],
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    problems.push({ field, message: `${field} must be an ISO date or date-time string, got ${JSON.stringify(value)}` });
    return undefined;
  }
  const parsed = parseIsoInstant(value, zone);
  if ('error' in parsed) {
    problems.push({ field, message: `${field} '${value}' ${parsed.error}` });
    return undefined;
  }
  return parsed.instant;
}
