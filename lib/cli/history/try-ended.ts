import { isEndedTaskState } from '../../compiler/run-states.ts';
import type { RunSummary, TaskInstanceSummary } from './run-history.ts';

/**
 * Whether try `tryNumber` of a task instance has ended, from what the run history knows now: its run ended (every
 * try with it), or the instance's record shows a later try or this try's end (success, failed, skipped,
 * upstream_failed, or up_for_retry: it failed and another try follows; or the try's own end in `tryTimes`, which
 * the local store writes as each try ends). `airstep logs --follow` stops on it.
 */
export function tryHasEnded(
  run: Pick<RunSummary, 'state'>,
  task: Pick<TaskInstanceSummary, 'state' | 'tries' | 'tryTimes'> | undefined,
  tryNumber: number,
): boolean {
  if (run.state !== 'running' && run.state !== 'queued') return true;
  if (task === undefined) return false;
  const times = task.tryTimes ?? [];
  if (times.some((entry) => entry.try > tryNumber || (entry.try === tryNumber && entry.endedAt !== undefined)))
    return true;
  if (task.tries === undefined) return false;
  if (task.tries > tryNumber) return true;
  // A try listed as not ended (a sensor between its pokes) has not ended whatever its instance's state says.
  if (times.some((entry) => entry.try === tryNumber)) return false;
  return task.tries === tryNumber && (isEndedTaskState(task.state) || task.state === 'up_for_retry');
}

/**
 * The instance's newest try: the record's count of ended tries, or a later try its `tryTimes` lists (one that is
 * running, whose log grows meanwhile).
 */
export function latestTryOf(task: Pick<TaskInstanceSummary, 'tries' | 'tryTimes'> | undefined): number | undefined {
  if (task === undefined) return undefined;
  const listed = task.tryTimes?.at(-1)?.try;
  if (task.tries === undefined) return listed;
  return Math.max(task.tries, listed ?? 0);
}
