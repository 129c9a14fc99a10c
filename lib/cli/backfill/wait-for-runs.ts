import type { CloudRun } from '../../runs/run-history.ts';

/** The states a cloud run ends in: the recorder writes them when its execution stops. */
const ENDED = new Set<CloudRun['state']>(['success', 'failed', 'interrupted']);

export function isEndedRun(run: CloudRun | undefined): boolean {
  return run !== undefined && ENDED.has(run.state);
}

/**
 * Reads the runs of a backfill until every one has ended (the recorder's record is the word on a cloud run; a
 * queued run is started by the recorder when a place frees, so it needs no help from here), calling `onEnded`
 * once per run as it ends, in the order the reads see them. Returns the last records read, all ended, or those
 * of the moment `signal` aborted (Ctrl-C stops the waiting, not the runs).
 */
export async function waitForRuns(opts: {
  readonly runIds: readonly string[];
  /** One read of the runs (a Query of the DAG's runs), by run id. */
  readonly read: () => Promise<ReadonlyMap<string, CloudRun>>;
  readonly onEnded: (run: CloudRun) => void;
  readonly signal: AbortSignal;
  /** Between reads: a poll, not a limit; how long the runs take is theirs. */
  readonly pollMs: number;
}): Promise<ReadonlyMap<string, CloudRun>> {
  const reported = new Set<string>();
  let latest: ReadonlyMap<string, CloudRun> = new Map();
  while (!opts.signal.aborted) {
    latest = await opts.read();
    for (const runId of opts.runIds) {
      const run = latest.get(runId);
      if (!reported.has(runId) && isEndedRun(run)) {
        reported.add(runId);
        opts.onEnded(run!);
      }
    }
    if (reported.size === opts.runIds.length) break;
    await pause(opts.pollMs, opts.signal);
  }
  return latest;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
