import type { ScheduleIR } from '../compiler/ir.ts';
import type { ScheduleSpec } from '../schedule/index.ts';

/** A compiled DAG's schedule as `lib/schedule` reads it (the trigger Lambda and the local scheduler use it). */
export function scheduleSpecOf(schedule: ScheduleIR): ScheduleSpec {
  return {
    schedule: schedule.expression,
    timezone: schedule.timezone,
    catchup: schedule.catchup,
    ...(schedule.startDate !== undefined ? { startDate: schedule.startDate } : {}),
    ...(schedule.endDate !== undefined ? { endDate: schedule.endDate } : {}),
  };
}
