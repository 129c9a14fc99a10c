/**
 * What a file of the local store must hold to be read as a record. A file someone edited, truncated or emptied by
 * hand, or one a full disk cut short, is refused here with the reason, instead of failing later (a `startedAt` the
 * sort cannot compare, a `tasks.json` that is not a list) far from the file that caused it. Pure: the store reads
 * and reports, this only answers.
 */

/** The reason the value is not a run record (`run.json`), or undefined when it is one. */
export function runRecordProblem(value: unknown): string | undefined {
  if (!isObject(value)) return `expected a run record (a JSON object), found ${kindOf(value)}`;
  for (const field of ['dagId', 'runId', 'state', 'startedAt', 'logicalDate', 'runType'] as const) {
    if (typeof value[field] !== 'string') return `expected a run record: ${field} is ${kindOf(value[field])}`;
  }
  if (typeof value.pid !== 'number') return `expected a run record: pid is ${kindOf(value.pid)}`;
  return undefined;
}

/** The reason the value is not a run's task instances (`tasks.json`), or undefined when it is a list of them. */
export function taskRecordsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return `expected a list of task instances, found ${kindOf(value)}`;
  for (const [index, record] of value.entries()) {
    if (!isObject(record) || typeof record.taskId !== 'string' || typeof record.mapIndex !== 'number') {
      return `expected a list of task instances: item ${index} has no taskId and mapIndex`;
    }
    if (typeof record.state !== 'string') return `expected a list of task instances: item ${index} has no state`;
  }
  return undefined;
}

/** The reason the value is not a DAG's local state (`dags/<dag>.json`), or undefined when it is one. */
export function dagStateProblem(value: unknown): string | undefined {
  if (!isObject(value) || typeof value.dagId !== 'string') return `expected a DAG's state (an object with its dagId)`;
  if (value.pausedAt !== undefined && typeof value.pausedAt !== 'string') {
    return `expected a DAG's state: pausedAt is ${kindOf(value.pausedAt)}`;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value === undefined) return 'missing';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
