/**
 * The keys of the stack's DynamoDB tables, shared by the construct that creates them, the emulator setup that
 * creates them in tests and the code that reads them. Keyed for the way Airstep reads them: every read is a GetItem
 * or a Query on a key; the few Scans are over small tables.
 *
 * - dags (`dagId`, `version`): live DAG = Get `version = LATEST` (trigger, recorder, CLI); one version = Get;
 *   list DAGs = Scan for `version = LATEST`.
 * - runs (`dagId`, `runId`; local index `byState` = `dagId`, `state`): one run = Get; runs of a DAG = Query;
 *   running runs of a DAG (`maxActiveRuns`) = Query `byState` (lib/runs/run-store.ts), strongly consistent.
 * - taskInstances (`runKey` = `dagId#runId`, `taskKey`): tasks, gates and signals of a run = Query `runKey`;
 *   an answered try = Get.
 * - importErrors (`file`): record / clear a file = Put / Delete; list = Scan.
 * - poolSlots (`pool`): take / give back slots = conditional Update; slots an ended run still holds = Scan (one
 *   item per pool).
 * - queuedRuns (`dagId`, `queuedAt`): oldest queued run of a DAG = Query, Limit 1.
 *
 * `byState` is a local index so that counting a DAG's running runs can be strongly consistent (two triggers at
 * once must not both see room under `maxActiveRuns`); a local index can only be made with its table.
 */
export const TABLE_KEYS = {
  dags: { partition: 'dagId', sort: 'version' },
  runs: { partition: 'dagId', sort: 'runId' },
  taskInstances: { partition: 'runKey', sort: 'taskKey' },
  importErrors: { partition: 'file' },
  poolSlots: { partition: 'pool' },
  queuedRuns: { partition: 'dagId', sort: 'queuedAt' },
} as const;

/** The runs table's local index: runs of a DAG by state. */
export const RUNS_BY_STATE = { indexName: 'byState', sort: 'state' } as const;

export type TableName = keyof typeof TABLE_KEYS;
