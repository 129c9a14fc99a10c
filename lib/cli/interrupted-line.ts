import type { TaskRecord } from '../local/local-store.ts';
import type { StopCause } from './stop-signals.ts';

const STOPPED_BY: Record<StopCause, string> = {
  SIGINT: 'SIGINT (Ctrl-C)',
  SIGTERM: 'SIGTERM',
  SIGPIPE: 'its output closing',
};

/** The one line a run stopped by a signal ends with: what stopped it, and how many instances it cut short. */
export function interruptedLine(cause: StopCause, runId: string, tasks: readonly TaskRecord[]): string {
  const cut = tasks.filter((task) => task.state === 'interrupted').length;
  const ended = tasks.filter((task) => task.state !== 'interrupted' && task.state !== 'none').length;
  return `run interrupted by ${STOPPED_BY[cause]}: ${ended} task instance${ended === 1 ? '' : 's'} ended, ${cut} interrupted (airstep tasks ${runId})`;
}
