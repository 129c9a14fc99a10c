import type { LocalStore, RunRecord } from './local-store.ts';
import { runLockHolder } from './run-lock.ts';

/**
 * Why a local run is still `queued`, as `airstep runs` says it: the process that admitted it waits for its DAG to
 * be unpaused or for a place under `maxActiveRuns` (it holds the run id's lock), or that process has ended and
 * the run waits for `airstep unpause`, which starts it (queued-run-adoption.ts).
 */
export function queuedRunReason(
  run: Pick<RunRecord, 'dagId'>,
  facts: { readonly paused: boolean; readonly holder: number | undefined },
): string {
  if (facts.holder !== undefined)
    return facts.paused
      ? `${run.dagId} is paused; process ${facts.holder} starts it once unpaused (airstep unpause ${run.dagId})`
      : `waiting for a place under ${run.dagId}'s maxActiveRuns; process ${facts.holder} starts it`;
  return facts.paused
    ? `${run.dagId} is paused: airstep unpause ${run.dagId} starts it`
    : `left queued when the command that admitted it ended: airstep unpause ${run.dagId} starts it`;
}

/** The reason for one queued run of the store (reads its pause state and its lock). */
export async function queuedRunReasonIn(store: LocalStore, run: RunRecord): Promise<string> {
  const holder = await runLockHolder(store.runDir(run.dagId, run.runId));
  return queuedRunReason(run, { paused: store.isPaused(run.dagId), holder });
}
