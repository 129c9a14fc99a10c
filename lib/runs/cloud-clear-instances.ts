import type { ClearedRun } from '../compiler/worker-contract.ts';
import type { ClearedInstance } from './clear-plan.ts';
import type { CloudTaskInstance } from './run-history.ts';

/**
 * A deployed run's task instances as the clear plan reads them: the final records of the taskInstances table
 * (state, tries, error, reason), each task's result from the ended execution's payload (`$.tasks.<key>.output`:
 * the value, or the XCom reference a large one left on S3, as the downstream tasks read it). The table keeps no
 * results; the payload keeps no result per item of a mapped task, so those have none here (see
 * `keptMappedItems`). `taskIds` maps payload keys to task ids where they differ (the DAG record's). Pure.
 */
export function cloudClearedInstances(
  records: readonly CloudTaskInstance[],
  payload: unknown,
  taskIds: Readonly<Record<string, string>> = {},
): ClearedInstance[] {
  const tasks = (payload as { tasks?: Record<string, { output?: unknown } | null> } | null)?.tasks ?? {};
  const keyOf = new Map(Object.entries(taskIds).map(([key, taskId]) => [taskId, key]));
  return records.map((record) => {
    const output = record.mapIndex < 0 ? tasks[keyOf.get(record.taskId) ?? record.taskId]?.output : undefined;
    return {
      taskId: record.taskId,
      mapIndex: record.mapIndex,
      state: record.state,
      ...(record.tries !== undefined ? { tries: record.tries } : {}),
      ...(output !== undefined ? { output } : {}),
      ...(record.reason !== undefined ? { reason: record.reason } : {}),
      ...(record.error !== undefined ? { error: record.error } : {}),
    };
  });
}

/**
 * The items of mapped tasks a clear would keep with a result: the cloud has no per-item result to answer them
 * with (see `cloudClearedInstances`), so such a clear is refused rather than answering them with nothing.
 */
export function keptMappedItems(clear: ClearedRun): string[] {
  return Object.entries(clear.kept)
    .filter(([key, answer]) => key.endsWith(']') && answer.state === 'success')
    .map(([key]) => key)
    .sort();
}
