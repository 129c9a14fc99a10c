import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { isEndedTaskState } from '../compiler/run-states.ts';
import { CHILD_ENDED_FIELD } from '../compiler/worker-contract.ts';
import { taskStatesFromHistory } from './history-task-states.ts';
import { type TaskRecordSummary, taskIdOf } from './run-records.ts';

/**
 * A split run whose child execution failed, was stopped or did not start on its own: the parent gave every task of
 * that child a `failed` record (lib/compiler/child-failure-states.ts), as it cannot read what the child did. The
 * child's history can: a task that ended before the child died keeps the record it ended with (its state exits
 * carry it), and only a task with no end of its own stays `failed` with the child's error.
 */
export function withChildOwnRecords(
  tasks: readonly TaskRecordSummary[],
  payload: unknown,
  childHistories: ReadonlyArray<readonly HistoryEvent[]>,
  taskIds: Readonly<Record<string, string>> = {},
): TaskRecordSummary[] {
  const records = (payload as { tasks?: Record<string, unknown> } | null)?.tasks ?? {};
  const given = new Set(
    Object.entries(records)
      .filter(([, record]) => typeof (record as Record<string, unknown> | null)?.[CHILD_ENDED_FIELD] === 'string')
      .map(([key]) => key),
  );
  if (given.size === 0) return [...tasks];
  const own = new Map<string, TaskRecordSummary>();
  for (const events of childHistories) {
    for (const record of taskStatesFromHistory(events, taskIds)) {
      if (given.has(record.key) && isEndedTaskState(record.state)) own.set(taskIdOf(record), record);
    }
  }
  return tasks.map((task) => (given.has(task.key) ? (own.get(taskIdOf(task)) ?? task) : task));
}
