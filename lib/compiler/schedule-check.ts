import {
  type EventBridgeSchedule,
  type ScheduleSpec,
  toEventBridgeSchedules,
  validateSchedule,
} from '../schedule/index.ts';

/** Schedule problems (expression, zone, dates), each naming its DAG option. */
export function checkSchedule(schedule: ScheduleSpec): Array<{ field: string; message: string }> {
  return validateSchedule(schedule).map((problem) => ({ field: problem.field, message: problem.message }));
}

/** The EventBridge Scheduler schedules a valid DAG schedule deploys as (none for manual-only DAGs). */
export function eventBridgeSchedules(schedule: ScheduleSpec): EventBridgeSchedule[] {
  return schedule.expression === null ? [] : toEventBridgeSchedules(schedule);
}
