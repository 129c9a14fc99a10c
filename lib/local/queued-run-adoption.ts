import type { RunContext } from '../compiler/worker-contract.ts';
import { claimRun } from './claim-run.ts';
import type { FindTarget, LocalDagTrigger } from './local-dag-trigger.ts';
import type { LocalStore, RunRecord } from './local-store.ts';
import { type RunLock, RunLockedError } from './run-lock.ts';

/** What became of a DAG's queued runs when a process took them over. */
export interface QueuedRunsAdopted {
  /** Run ids now queued in this process's trigger, oldest first (they start as places free). */
  readonly adopted: readonly string[];
  /** Run ids another live process holds (it starts them). */
  readonly taken: readonly string[];
  /** Why the DAG's runs cannot start here (its file no longer loads or compiles); empty otherwise. */
  readonly problems: readonly string[];
}

/**
 * Hands a DAG's runs left `queued` in the local store (a `triggerDag` run admitted while the DAG was paused or
 * full, by a command that has ended) to `trigger`, oldest first, as Airflow's scheduler starts queued runs once
 * the DAG is unpaused: each under its run id's lock, so two processes never start the same one; the trigger
 * starts them within `maxActiveRuns`, counting the DAG's runs in every process. A run without its context (a
 * record older than queued runs) cannot be started again and is left as it is.
 */
export async function adoptQueuedRuns(input: {
  readonly store: LocalStore;
  readonly trigger: LocalDagTrigger;
  readonly find: FindTarget;
  readonly dagId: string;
}): Promise<QueuedRunsAdopted> {
  const queued = queuedRunsOldestFirst(await input.store.runs(input.dagId));
  if (queued.length === 0) return { adopted: [], taken: [], problems: [] };
  const found = await input.find(input.dagId);
  if (!found.ok) return { adopted: [], taken: [], problems: found.problems };
  const adopted: string[] = [];
  const taken: string[] = [];
  for (const run of queued) {
    const outcome = await input.trigger.adopt(found.target, run.ctx!);
    if (outcome === 'adopted') adopted.push(run.runId);
    else if (outcome === 'taken') taken.push(run.runId);
  }
  return { adopted, taken, problems: [] };
}

/** A DAG's queued runs that can start again, in the order they were queued (the record's time, then run id). */
export function queuedRunsOldestFirst(runs: readonly RunRecord[]): RunRecord[] {
  return runs
    .filter((run) => run.state === 'queued' && run.ctx !== undefined)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.runId.localeCompare(b.runId));
}

/**
 * Takes one queued run to start it in this process (`airstep dev`'s child): its run id's lock, then its record
 * read again under the lock, which must still say `queued` (another process may have started it). Answers its
 * context and the lock, or why it is not this process's to start.
 */
export async function claimQueuedRun(
  store: LocalStore,
  run: { readonly dagId: string; readonly runId: string },
): Promise<
  | { readonly ok: true; readonly ctx: RunContext; readonly claim: RunLock }
  | { readonly ok: false; readonly message: string }
> {
  let claim: RunLock;
  try {
    claim = await claimRun(store, run, 'keep');
  } catch (error) {
    if (error instanceof RunLockedError) return { ok: false, message: error.message };
    throw error;
  }
  const record = (await store.runs(run.dagId)).find((candidate) => candidate.runId === run.runId);
  if (record?.state !== 'queued' || record.ctx === undefined) {
    await claim.release();
    return { ok: false, message: `run ${run.runId} of ${run.dagId} is no longer queued (${record?.state ?? 'gone'})` };
  }
  return { ok: true, ctx: record.ctx, claim };
}
