/**
 * Whether a trigger starts a run, queues it, or finds it already there. Pure: the trigger reads the run record
 * and counts the DAG's running runs, then asks.
 */

/** What the runs table already holds for the run a trigger asks for. */
export interface KnownRun {
  readonly state?: string;
  readonly executionArn?: string;
  /** Set by the trigger that started (or queued) the run; the recorder never sets it. */
  readonly triggeredAt?: string;
  /** How many clears the run has had (`airstep clear --stack`), queued ones included. */
  readonly clears?: number;
}

export type Admission =
  | { readonly action: 'start' }
  | { readonly action: 'queue'; readonly activeRuns: number }
  | { readonly action: 'duplicate'; readonly state: string; readonly executionArn?: string };

/**
 * A run that exists is never started again (a second schedule fire, a retried invocation): it is reported with
 * its state. A new run starts while fewer than `maxActiveRuns` runs of its DAG are running, else it waits in the
 * queue (Airflow's `max_active_runs`).
 */
export function admitRun(known: KnownRun | undefined, activeRuns: number, maxActiveRuns: number): Admission {
  if (known !== undefined && (known.state !== undefined || known.executionArn !== undefined)) {
    return {
      action: 'duplicate',
      state: known.state ?? 'running',
      ...(known.executionArn !== undefined ? { executionArn: known.executionArn } : {}),
    };
  }
  return activeRuns < maxActiveRuns ? { action: 'start' } : { action: 'queue', activeRuns };
}

/** How many queued runs may start now that some ended: the free places, never more than are queued. */
export function queuedRunsToStart(activeRuns: number, maxActiveRuns: number, queued: number): number {
  return Math.max(0, Math.min(queued, maxActiveRuns - activeRuns));
}
