import { AirstepError } from '../errors/airstep-error.ts';
import type { LocalStore } from './local-store.ts';
import { lockRun, type RunLock, RunLockedError } from './run-lock.ts';

/**
 * What a new run does about an earlier run of the same DAG and run id: `refuse` it (`airstep run` without
 * `--rerun`: Airflow refuses a duplicate run id too), `replace` it (its record, task instances and logs go), or
 * `keep` it (`airstep clear` runs it again as itself).
 */
export type EarlierRun = 'refuse' | 'replace' | 'keep';

export class RunExistsError extends AirstepError {
  override readonly name = 'RunExistsError';

  constructor(
    readonly dagId: string,
    readonly runId: string,
    readonly state: string | undefined,
  ) {
    super(
      `run ${runId} of ${dagId} already exists${state !== undefined ? ` (${state})` : ''}: pass --rerun to replace ` +
        `it, or a different --date (airstep clear ${runId} --dag ${dagId} runs some of its tasks again)`,
      { code: 'RUN_EXISTS' },
    );
  }
}

/** The store cannot be written where the run goes (a file where its folder belongs, no permission, a full disk). */
export class StoreUnwritableError extends AirstepError {
  override readonly name = 'StoreUnwritableError';

  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    super(`cannot write the local store at ${path}: ${reason}`, { code: 'STORE_UNWRITABLE', cause });
  }
}

/**
 * Takes the run id's lock and settles the earlier run: throws `RunLockedError` while another process runs it,
 * `RunExistsError` when an earlier one is refused (nothing in the store changed then), `StoreUnwritableError` when
 * the run's folder cannot be made.
 */
export async function claimRun(
  store: LocalStore,
  run: { readonly dagId: string; readonly runId: string },
  earlier: EarlierRun,
): Promise<RunLock> {
  const dir = store.runDir(run.dagId, run.runId);
  const lock = await lockRun(dir, run).catch((error: unknown) => {
    throw error instanceof RunLockedError ? error : new StoreUnwritableError(dir, error);
  });
  try {
    if (earlier === 'refuse' && store.hasRun(run.dagId, run.runId)) {
      const found = (await store.runs(run.dagId)).find((candidate) => candidate.runId === run.runId);
      throw new RunExistsError(run.dagId, run.runId, found?.state);
    }
    if (earlier === 'replace') await store.removeRun(run.dagId, run.runId);
  } catch (error) {
    await lock.release();
    throw error;
  }
  return lock;
}
