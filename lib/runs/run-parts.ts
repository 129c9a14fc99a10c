import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { RUN_EXECUTION_FIELD } from '../compiler/parent-child-machines.ts';

/**
 * A split DAG's run is its parent's execution; each child execution (started by the parent's
 * `startExecution.sync:2`, lib/compiler/parent-child-machines.ts) is a part of it. Its input carries the run's
 * context, so its status changes reach the recorder as if it were a run: they are not, and the records of the
 * run are written when the parent ends, from its output and its children's histories.
 */

/** Whether an execution is a part of another's run (its input names the run's execution, not itself). */
export function isRunPart(change: { readonly executionArn: string; readonly input?: string | null }): boolean {
  let input: unknown;
  try {
    input = JSON.parse(change.input ?? '{}');
  } catch {
    return false;
  }
  const run = (input as Record<string, unknown> | null)?.[RUN_EXECUTION_FIELD];
  return typeof run === 'string' && run !== change.executionArn;
}

const START_SYNC = /^arn:aws:states:::states:startExecution\.sync(:2)?$/;

/**
 * The child executions a parent started, from its history: the ARN each `startExecution.sync:2` step answered
 * (submitted, succeeded, or failed with the child's description as its cause), in the order they were started.
 */
export function childExecutionArns(events: readonly HistoryEvent[]): string[] {
  const arns = new Set<string>();
  for (const event of [...events].sort((a, b) => (a.id ?? 0) - (b.id ?? 0))) {
    const answer =
      event.taskSubmittedEventDetails?.output ??
      event.taskSucceededEventDetails?.output ??
      event.taskFailedEventDetails?.cause;
    const details = event.taskSubmittedEventDetails ?? event.taskSucceededEventDetails ?? event.taskFailedEventDetails;
    if (answer === undefined || details === undefined) continue;
    if (!START_SYNC.test(`arn:aws:states:::${details.resourceType}:${details.resource}`)) continue;
    try {
      const arn = (JSON.parse(answer) as { ExecutionArn?: unknown }).ExecutionArn;
      if (typeof arn === 'string') arns.add(arn);
    } catch {
      // A failure before the child started (no description): nothing of it to read.
    }
  }
  return [...arns];
}

/**
 * A run's execution history and, for a split DAG, each child's after it (each its own list: event ids are per
 * execution), as a running run's grid and results read them.
 */
export async function runHistories(
  read: (executionArn: string) => Promise<HistoryEvent[]>,
  executionArn: string,
): Promise<HistoryEvent[][]> {
  const run = await read(executionArn);
  const children = await Promise.all(childExecutionArns(run).map((child) => read(child)));
  return [run, ...children];
}
