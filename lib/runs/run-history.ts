import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { asRunState, asTaskState, type RunState, type TaskState } from '../compiler/run-states.ts';
import { queryAll } from '../dynamo/dynamo-pages.ts';
import type { RunType } from '../schedule/types.ts';
import { tryTimesOf } from '../worker/try-records.ts';

/**
 * Reads back what the trigger and the recorder write about runs, for the CLI: run items of the runs table (see
 * `RunStore` in run-store.ts for their fields) and task-instance items of the taskInstances table (written by
 * `recordExecution` in record-execution.ts when a run ends). Read-only; nothing here writes.
 */
export interface CloudRun {
  readonly dagId: string;
  readonly runId: string;
  /** `unknown` only for an item some other writer left without a state Airstep knows. */
  readonly state: RunState | 'unknown';
  readonly runType?: RunType;
  readonly logicalDate?: string;
  readonly dagVersion?: string;
  readonly executionArn?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  /** When a trigger started or queued the run (absent on a run only the recorder has seen). */
  readonly triggeredAt?: string;
  readonly queuedAt?: string;
  /** The deadline the run missed and when that was found (see deadline-miss.ts); absent for a run in time. */
  readonly deadline?: string;
  readonly deadlineMissedAt?: string;
  /** The run's note (`airstep note`). */
  readonly note?: string;
  /** How many times `airstep clear` ran the run again. */
  readonly clears?: number;
}

export interface CloudTaskInstance {
  readonly taskId: string;
  /**
   * -1 for a task's own record (a mapped task's sums up its instances: failed if any failed); the item's index
   * (0…n-1) for an instance of a mapped task (`taskKey` `<taskId>#<index>`).
   */
  readonly mapIndex: number;
  readonly state: TaskState;
  /** The try the task ended on; absent for a task that never ran (skipped, upstream_failed). */
  readonly tries?: number;
  /** The error name of a failed task. */
  readonly error?: string;
  /** The error's one-line summary (`Error: the warehouse refused the rows`), written by the recorder at the run's end. */
  readonly errorMessage?: string;
  /** Why the task skipped itself (`SkipError`'s message). */
  readonly reason?: string;
  /**
   * The live record's facts (lib/worker/try-records.ts): when the current try started (or began waiting for a
   * slot) and ended, and where it ran. Tasks no worker runs have none.
   */
  readonly queuedAt?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly host?: string;
  /** Start to end; for a try still running, start to now. */
  readonly durationMs?: number;
  /** The recorder wrote this record when the run ended: no live write changes it any more. */
  readonly final?: boolean;
  /** Each try's queued, start and end times and how it ended, oldest first (from the worker's live writes). */
  readonly tryTimes?: ReadonlyArray<{
    readonly try: number;
    readonly state: TaskState;
    readonly queuedAt?: string;
    readonly startedAt?: string;
    readonly endedAt?: string;
    readonly errorMessage?: string;
  }>;
}

/** The runs of one DAG, newest first (every page, strongly consistent). */
export async function listRuns(dynamo: DynamoDBClient, runsTable: string, dagId: string): Promise<CloudRun[]> {
  const items = await queryAll(dynamo, {
    TableName: runsTable,
    KeyConditionExpression: 'dagId = :dag',
    ExpressionAttributeValues: { ':dag': { S: dagId } },
  });
  return newestFirst(items.map(runOf));
}

/**
 * Runs of one DAG whose id is `runId` or starts with it. An exact match is the only answer; otherwise every run
 * the prefix matches (the caller decides what several mean).
 */
export async function findRuns(
  dynamo: DynamoDBClient,
  runsTable: string,
  dagId: string,
  runId: string,
): Promise<CloudRun[]> {
  const items = await queryAll(dynamo, {
    TableName: runsTable,
    KeyConditionExpression: 'dagId = :dag AND begins_with(runId, :run)',
    ExpressionAttributeValues: { ':dag': { S: dagId }, ':run': { S: runId } },
  });
  const runs = items.map(runOf);
  const exact = runs.filter((run) => run.runId === runId);
  return exact.length > 0 ? exact : newestFirst(runs);
}

/**
 * The task instances of a run, by task id then map index. The same partition also holds the gates and signals
 * of the run (`gate#…`, `signal#…`, see gate-store.ts); only items with a `taskId` are task instances.
 */
export async function listTaskInstances(
  dynamo: DynamoDBClient,
  taskInstancesTable: string,
  dagId: string,
  runId: string,
  now: Date = new Date(),
): Promise<CloudTaskInstance[]> {
  const items = await queryAll(dynamo, {
    TableName: taskInstancesTable,
    KeyConditionExpression: 'runKey = :run',
    ExpressionAttributeValues: { ':run': { S: `${dagId}#${runId}` } },
  });
  return items
    .filter((item) => item.taskId?.S !== undefined && item.state?.S !== undefined)
    .map((item) => taskInstanceOf(item, now))
    .sort((a, b) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : a.mapIndex - b.mapIndex));
}

/** A taskInstances item as the CLI shows it (pure; `now` gives a running try its duration so far). */
export function taskInstanceOf(item: Record<string, AttributeValue>, now: Date): CloudTaskInstance {
  const text = (name: string) => (item[name]?.S !== undefined ? { [name]: item[name].S } : {});
  const state = asTaskState(item.state!.S);
  const startedAt = item.startedAt?.S;
  const endedAt = item.endedAt?.S ?? (state === 'running' ? now.toISOString() : undefined);
  // Each try's times, from the phases the worker appended (the error is the try's error name).
  const tries = tryTimesOf(item.tryEvents).map(({ error, ...times }) => ({
    ...times,
    ...(error !== undefined ? { errorMessage: error } : {}),
  }));
  return {
    taskId: item.taskId!.S!,
    mapIndex: item.mapIndex?.N !== undefined ? Number(item.mapIndex.N) : -1,
    state,
    ...(item.tries?.N !== undefined ? { tries: Number(item.tries.N) } : {}),
    ...text('error'),
    ...text('errorMessage'),
    ...text('reason'),
    ...text('queuedAt'),
    ...text('startedAt'),
    ...text('endedAt'),
    ...text('host'),
    ...(startedAt !== undefined && endedAt !== undefined
      ? { durationMs: Math.max(0, Date.parse(endedAt) - Date.parse(startedAt)) }
      : {}),
    ...(item.final?.BOOL === true ? { final: true } : {}),
    ...(tries.length > 0 ? { tryTimes: tries } : {}),
  } as CloudTaskInstance;
}

/**
 * Newest first by when each run started; a queued run (not started yet) by when it was queued. Run ids sort by
 * kind before time (`manual__…` < `scheduled__…`), so the key's own order would not do.
 */
export function newestFirst(runs: readonly CloudRun[]): CloudRun[] {
  const at = (run: CloudRun) => run.startedAt ?? run.triggeredAt ?? run.logicalDate ?? '';
  return [...runs].sort((a, b) => at(b).localeCompare(at(a)) || b.runId.localeCompare(a.runId));
}

function runOf(item: Record<string, AttributeValue>): CloudRun {
  const text = (name: string) => (item[name]?.S !== undefined ? { [name]: item[name].S } : {});
  return {
    dagId: item.dagId!.S!,
    runId: item.runId!.S!,
    // Every writer of a run item sets its state; 'unknown' only guards an item written by other means.
    state: asRunState(item.state?.S) ?? 'unknown',
    ...text('runType'),
    ...text('logicalDate'),
    ...text('dagVersion'),
    ...text('executionArn'),
    ...text('startedAt'),
    ...text('endedAt'),
    ...text('triggeredAt'),
    ...text('queuedAt'),
    ...text('deadline'),
    ...text('deadlineMissedAt'),
    ...text('note'),
    ...(item.clears?.N !== undefined ? { clears: Number(item.clears.N) } : {}),
  };
}
