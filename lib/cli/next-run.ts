import { nextRuns, type ScheduleSpec } from '../schedule/index.ts';

/** When the DAG's next scheduled run is created (as `airstep next` shows); null for a DAG run only by hand. */
export function nextRunOf(spec: ScheduleSpec, now: Date): { logicalDate: string; runAfter: string } | null {
  const next = spec.expression === null ? undefined : nextRuns(spec, now, 1)[0];
  return next !== undefined ? { logicalDate: next.logicalDate, runAfter: next.runAfter } : null;
}
