import type { LocalStore } from '../local/local-store.ts';
import { loadProjectConfig } from '../local/project-config.ts';
import { adoptQueuedRuns, queuedRunsOldestFirst } from '../local/queued-run-adoption.ts';
import { LocalLimits } from '../local/slot-limits.ts';
import { localDagTrigger } from '../local/triggered-runs.ts';
import { killAllWorkers } from '../local/worker-pool.ts';
import type { colours } from './output.ts';
import { listenForStops } from './stop-signals.ts';
import { projectDagFinder } from './trigger-targets.ts';

type Colours = ReturnType<typeof colours>;

/** A queued run this command started, and the state it ended in. */
export interface StartedQueuedRun {
  readonly runId: string;
  readonly state: string;
}

/**
 * What local `airstep unpause <dag>` does after unpausing: the DAG's runs left `queued` by commands that have ended
 * start in this process, oldest first, within `maxActiveRuns` (runs in other processes count), and it waits for
 * them as `airstep run` waits for triggered runs. Runs another live process holds are left to it. Ctrl-C
 * interrupts the started runs and leaves the rest queued.
 */
export async function startQueuedRuns(
  store: LocalStore,
  dagId: string,
  c: Colours,
  quiet: boolean,
): Promise<{ readonly started: StartedQueuedRun[]; readonly problems: readonly string[] }> {
  const [oldest] = queuedRunsOldestFirst(await store.runs(dagId));
  if (oldest === undefined) return { started: [], problems: [] };
  const say = (line: string) => (quiet ? undefined : console.log(line));
  const stops = listenForStops(killAllWorkers);
  const started: StartedQueuedRun[] = [];
  const find = projectDagFinder(oldest.file);
  const trigger = localDagTrigger({
    store,
    find,
    limits: new LocalLimits((await loadProjectConfig()).pools),
    signal: stops.signal,
    onStarted: (dag, runId) => say(`  ${c.dim('started')} ${dag} › ${runId} ${c.dim('(was queued)')}`),
    onEnded: (dag, runId, state) => {
      if (dag === dagId) started.push({ runId, state });
      const paint = state === 'success' ? c.green : state === 'failed' ? c.red : c.yellow;
      say(`  ${c.dim('ended')} ${dag} › ${runId} ${paint(state)}`);
    },
  });
  try {
    const adoption = await adoptQueuedRuns({ store, trigger, find, dagId });
    for (const runId of adoption.taken)
      say(c.dim(`  ${dagId} › ${runId}: queued in process that holds it; it starts it`));
    const left = await trigger.drain();
    for (const run of left) say(c.yellow(`  ${run.dagId} › ${run.runId}: left queued (the command was stopped)`));
    return { started, problems: adoption.problems };
  } finally {
    stops.dispose();
  }
}
