import {
  type EventBridgeSchedule,
  type ScheduleSpec,
  toEventBridgeSchedules,
  validateSchedule,
} from '../schedule/index.ts';
import type { ScheduleIR } from './ir.ts';

/** Schedule problems (expression, zone, dates), each naming its DAG option. */
export function checkSchedule(schedule: ScheduleIR): Array<{ field: string; message: string }> {
  const problems = validateSchedule(scheduleSpecOf(schedule));
  return problems.map((problem) => ({
    field: problem.field === 'timezone' ? 'timezone' : problem.field,
    message: problem.message,
  }));
}

/** The EventBridge Scheduler schedules a valid DAG schedule deploys as (none for manual-only DAGs). */
export function eventBridgeSchedules(schedule: ScheduleIR): EventBridgeSchedule[] {
  return schedule.expression === null ? [] : toEventBridgeSchedules(scheduleSpecOf(schedule));
}

/** A compiled DAG's schedule as `lib/schedule` reads it (also used by the trigger Lambda and the local scheduler). */
export function scheduleSpecOf(schedule: ScheduleIR): ScheduleSpec {
  return {
    schedule: schedule.expression,
    timezone: schedule.timezone,
    catchup: schedule.catchup,
    ...(schedule.startDate !== undefined ? { startDate: schedule.startDate } : {}),
    ...(schedule.endDate !== undefined ? { endDate: schedule.endDate } : {}),
  };
}
