import type { DagRecord } from '../dynamo/dag-record.ts';
import type { NewRunEvent } from './trigger-event.ts';

/**
 * What the trigger does with an event for a paused DAG (Airflow: a paused DAG creates no runs). A schedule's
 * fire is skipped: answered `paused` and counted on the DAG record, never written to the failed-events queue (a
 * pause is asked for, not a fault to alarm on). A manual trigger is refused unless the caller forces it
 * (`airstep trigger --force`), which starts the run as if the DAG were not paused; a backfill runs. A `triggerDag`
 * step's trigger (a manual event that names its run id) is queued: Airflow 3 creates the run a
 * TriggerDagRunOperator asks of a paused DAG `queued`, and starts it once the DAG is unpaused. Pure.
 */
export type PausedDecision =
  | { readonly action: 'run' }
  | { readonly action: 'queue' }
  | { readonly action: 'skip'; readonly scheduledTime: string; readonly pausedAt: string }
  | { readonly action: 'refuse'; readonly problem: string };

export function pausedDecision(dag: DagRecord, event: NewRunEvent): PausedDecision {
  if (dag.pausedAt === undefined) return { action: 'run' };
  if (event.kind === 'scheduled') {
    return { action: 'skip', scheduledTime: event.scheduledTime, pausedAt: dag.pausedAt };
  }
  // Airflow backfills a paused DAG: a backfill is asked for interval by interval, as a forced trigger is.
  if (event.kind === 'backfill' || event.force === true) return { action: 'run' };
  if (event.runId !== undefined) return { action: 'queue' };
  return {
    action: 'refuse',
    problem:
      `DAG ${dag.dagId} is paused (since ${dag.pausedAt}): no run created; ` +
      `unpause it (airstep unpause ${dag.dagId}) or trigger it anyway with --force`,
  };
}
