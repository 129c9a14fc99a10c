/**
 * What each task instance of a run returned (its XCom result, or the reference to where an offloaded one is kept),
 * from a run's payload (`{ ctx, tasks, gates }`): `tasks.<key>.output` for a task's own record, and for a mapped
 * task (whose record is `{ count, anyFailed, output }`) item `i` of its output list. Keyed `<task id>#<map index>`.
 * Tasks that returned nothing, failed or were skipped have no entry.
 */
export function taskResults(
  payload: unknown,
  taskIds: Readonly<Record<string, string>> = {},
): ReadonlyMap<string, unknown> {
  const results = new Map<string, unknown>();
  const tasks = (payload as { tasks?: Record<string, unknown> } | null)?.tasks ?? {};
  for (const [key, record] of Object.entries(tasks)) {
    if (typeof record !== 'object' || record === null || !('output' in record)) continue;
    const { output, count } = record as { output: unknown; count?: unknown };
    if (output === null || output === undefined) continue;
    const taskId = taskIds[key] ?? key;
    results.set(`${taskId}#-1`, output);
    if (typeof count === 'number' && Array.isArray(output)) {
      output.forEach((item, index) => {
        if (item !== null && item !== undefined) results.set(`${taskId}#${index}`, item);
      });
    }
  }
  return results;
}
