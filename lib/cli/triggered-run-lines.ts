import type { LocalDagTrigger } from '../local/local-dag-trigger.ts';
import type { colours } from './output.ts';

type Colours = ReturnType<typeof colours>;

/** A line as a `triggerDag` step's run starts and as it ends (with its state), beside the triggering run's lines. */
export function triggeredRunLines(c: Colours): {
  onStarted: (dagId: string, runId: string) => void;
  onEnded: (dagId: string, runId: string, state: string) => void;
} {
  return {
    onStarted: (dagId, runId) => console.log(c.dim(`triggered ${dagId} › ${runId}`)),
    onEnded: (dagId, runId, state) => {
      const paint = state === 'success' ? c.green : state === 'failed' ? c.red : c.yellow;
      console.log(`${c.dim('triggered')} ${dagId} › ${runId} ${paint(state)}`);
    },
  };
}

/**
 * Waits for the runs the run's `triggerDag` steps started (the process ends after them), and says which are
 * left queued behind a paused DAG: they start once it is unpaused, in the cloud; locally nothing starts them
 * after this process (Airflow 3 leaves such a run queued too).
 */
export async function drainTriggeredRuns(trigger: LocalDagTrigger, c: Colours, quiet: boolean): Promise<void> {
  const left = await trigger.drain();
  if (quiet) return;
  for (const run of left)
    console.log(
      c.yellow(
        `queued ${run.dagId} › ${run.runId}: left queued, not started (${run.dagId} is paused, or the command was stopped)`,
      ),
    );
}
