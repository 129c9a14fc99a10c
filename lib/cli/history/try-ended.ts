import { isEndedTaskState } from '../../compiler/run-states.ts';
import type { RunSummary, TaskInstanceSummary } from './run-history.ts';

/**
 * Whether try `tryNumber` of a task instance has ended, from what the run history knows now: its run ended (every
 * try with it), or the instance's record shows a later try or this try's end (success, failed, skipped,
 * upstream_failed, or up_for_retry: it failed and another try follows). `airstep logs --follow` stops on it.
 */
export function tryHasEnded(
  run: Pick<RunSummary, 'state'>,
  task: Pick<TaskInstanceSummary, 'state' | 'tries'> | undefined,
  tryNumber: number,
): boolean {
  if (run.state !== 'running' && run.state !== 'queued') return true;
  if (task === undefined || task.tries === undefined) return false;
  if (task.tries > tryNumber) return true;
  return task.tries === tryNumber && (isEndedTaskState(task.state) || task.state === 'up_for_retry');
}
