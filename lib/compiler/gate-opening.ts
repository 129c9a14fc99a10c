/**
 * When a gate opens, shared by the local gate coordinator, the cloud gate store and the emulator test worker.
 * A gate waits for the tasks it names to signal their records. Most gates open once every one of them has
 * signalled. A gate with `openWhen` (a task whose trigger rule Airflow decides before all its upstream tasks end:
 * `one_success`, `one_failed`, `one_done`) also opens as soon as one signalled record is in one of those states;
 * the tasks that have not ended yet are answered with `NOT_ENDED`, which no trigger-rule condition matches.
 */

/** The record given for a task a gate waited for that had not ended when the gate opened early. */
export const NOT_ENDED = { state: 'none', output: null } as const;

/**
 * The records to open a gate with, by task id, or undefined while it must go on waiting. Pure: `signals` are
 * the records signalled so far in the gate's execution, by task id.
 */
export function gateRecords(
  waitFor: readonly string[],
  openWhen: readonly string[] | undefined,
  signals: ReadonlyMap<string, unknown>,
): Record<string, unknown> | undefined {
  const all = waitFor.every((id) => signals.has(id));
  const early =
    !all &&
    openWhen !== undefined &&
    waitFor.some((id) => signals.has(id) && openWhen.includes(stateOf(signals.get(id))));
  if (!all && !early) return undefined;
  return Object.fromEntries(waitFor.map((id) => [id, signals.has(id) ? signals.get(id) : { ...NOT_ENDED }]));
}

function stateOf(record: unknown): string {
  const state = (record as { state?: unknown } | null | undefined)?.state;
  return typeof state === 'string' ? state : '';
}
