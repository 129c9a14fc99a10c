import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { type TaskRecordSummary, taskIdOf, taskRecords } from './run-records.ts';

/**
 * The task records a running execution has written so far, read from its history: every state exit's output
 * carries the payload's `tasks` records of its branch (the compiler writes each task's record to
 * `$.tasks.<key>`), so the newest record of each task over all exits is its state now. This is how steps no worker
 * runs (empty, wait, branch outcomes, native `dynamodb` / `s3` / `sqs` steps, skips and upstream_failed) show in a
 * running run's grid; the worker's live records (with times and host) win where both exist.
 */
export function taskStatesFromHistory(
  events: readonly HistoryEvent[],
  taskIds: Readonly<Record<string, string>> = {},
): TaskRecordSummary[] {
  const newest = new Map<string, TaskRecordSummary>();
  for (const payload of exitPayloads(events)) {
    for (const record of taskRecords(payload, taskIds)) {
      if (record.state !== 'none') newest.set(taskIdOf(record), record);
    }
  }
  return [...newest.values()];
}

/** Every page of an execution's history (the user's credentials: `states:GetExecutionHistory`). */
export async function readExecutionHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return events;
}

/** Every state exit's output in an execution's history, parsed, oldest first (outputs the history cut are left out). */
export function* exitPayloads(events: readonly HistoryEvent[]): Generator<unknown> {
  const exits = events
    .filter((event) => event.stateExitedEventDetails?.output !== undefined)
    .sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  for (const event of exits) {
    try {
      yield JSON.parse(event.stateExitedEventDetails!.output!);
    } catch {
      // an output the history truncated
    }
  }
}
