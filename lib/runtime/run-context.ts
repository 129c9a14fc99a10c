import { manualRunInterval, runContextDates, runId } from '../schedule/index.ts';
import type { RunType } from '../sdk/context.ts';
import type { RunContext } from './task-message.ts';

/**
 * The context of a run that is triggered by hand (or given a date): its logical date is the trigger time (or
 * the date asked for), so `ds` is never missing, and its run id says how it started.
 */
export function manualRunContext(input: {
  readonly dagId: string;
  readonly timezone: string;
  readonly at: Date;
  readonly params: Record<string, unknown>;
  readonly conf: Record<string, unknown>;
  readonly runType?: RunType;
}): RunContext {
  const interval = manualRunInterval(input.at, input.timezone);
  const dates = runContextDates(interval, input.timezone);
  const runType = input.runType ?? 'manual';
  return {
    dagId: input.dagId,
    runId: runId(runType, dates.logicalDate),
    runType,
    logicalDate: dates.logicalDate,
    ds: dates.ds,
    dsNodash: dates.dsNodash,
    ts: dates.ts,
    dataIntervalStart: dates.dataIntervalStart,
    dataIntervalEnd: dates.dataIntervalEnd,
    params: input.params,
    conf: input.conf,
  };
}
