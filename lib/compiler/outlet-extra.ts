/**
 * Outlet `extra` (Airflow 3's `outlet_events[asset].extra`): a task's code attaches facts to the asset events its
 * success records. The worker answers them beside its result, as `outletExtra` (one JSON object per outlet, in the
 * order of the task's outlets), the task's record keeps them, and the `<task>:outlets` state puts each into its
 * entry's Detail. One rule for the compiler (what the states read) and the workers (what they must answer).
 */

/** The field of the worker's answer (and of the task's record) holding the extras. */
export const OUTLET_EXTRA_FIELD = 'outletExtra';

/**
 * At most this many bytes of JSON for all of a task's extras together: they ride in the run's state payload (256 KiB
 * shared by every task of the run) until the outlets state sends them, and each goes into one EventBridge entry
 * (256 KiB). Airflow's extras are small facts (a row count, a partition, a path); anything bigger belongs in XCom or
 * the asset itself.
 */
export const OUTLET_EXTRA_LIMIT_BYTES = 8 * 1024;

/**
 * Whether a task's code can attach `extra`: an unmapped code task run by an Airstep worker (Lambda or Fargate). A
 * mapped task has no outlets (mapped-outlets.ts), a sensor's pokes are not its success, and other kinds run no Airstep code: their events carry `{}`, and
 * `ctx.outletEvents` refuses in their code, saying why.
 */
export function carriesOutletExtra(task: { readonly kind: string; readonly mapped: boolean }): boolean {
  return task.kind === 'code' && !task.mapped;
}

/** The ResultSelector entry that keeps the worker's extras in the task's record (none for tasks without them). */
export function outletExtraSelector(task: {
  readonly kind: string;
  readonly mapping?: unknown;
  readonly outlets?: readonly unknown[];
}): Record<string, string> {
  if ((task.outlets ?? []).length === 0 || !carriesOutletExtra({ kind: task.kind, mapped: task.mapping !== undefined }))
    return {};
  return { [`${OUTLET_EXTRA_FIELD}.$`]: `$.${OUTLET_EXTRA_FIELD}` };
}
