import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { listLatestDagRecords, readDagRecord } from '../dynamo/dag-record.ts';
import type { StoredAssetEvent } from './asset-event-store.ts';
import { exitPayloads, readExecutionHistory, taskStatesFromHistory } from './history-task-states.ts';
import { runAssetEvents } from './run-asset-events.ts';
import {
  type CloudRun,
  type CloudTaskInstance,
  findRuns,
  listRuns,
  listTaskInstances,
  newestFirst,
} from './run-history.ts';
import { setRunNote } from './run-note.ts';
import { runHistories } from './run-parts.ts';
import { taskResults } from './task-results.ts';

/** Ended executions whose results a process keeps (their results never change). */
const KEPT_RESULTS = 100;

/**
 * The deployed stack's runs and taskInstances tables as the CLI reads runs (the `RunHistory` port of
 * lib/cli/history): one Query per DAG, the DAG given or every DAG the dags table holds.
 */
export class CloudRunHistory {
  readonly local = false;

  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly tables: { readonly dags: string; readonly runs: string; readonly taskInstances: string },
    readonly where: string,
    /** Reads a running run's execution history, for the steps no worker records live; without it they wait. */
    private readonly sfn?: SFNClient,
  ) {}

  async runs(dagId?: string): Promise<CloudRun[]> {
    const dagIds = await this.dagIds(dagId);
    return newestFirst((await Promise.all(dagIds.map((id) => listRuns(this.dynamo, this.tables.runs, id)))).flat());
  }

  async findRuns(runId: string, dagId?: string): Promise<CloudRun[]> {
    const dagIds = await this.dagIds(dagId);
    const found = (await Promise.all(dagIds.map((id) => findRuns(this.dynamo, this.tables.runs, id, runId)))).flat();
    const exact = found.filter((run) => run.runId === runId);
    return exact.length > 0 ? exact : found;
  }

  setNote(run: { readonly dagId: string; readonly runId: string }, note: string): Promise<boolean> {
    return setRunNote(this.dynamo, this.tables.runs, run, note);
  }

  /** What the trigger recorded of the run's outlet events (run-asset-events.ts). */
  assetEvents(run: { readonly dagId: string; readonly runId: string }): Promise<StoredAssetEvent[]> {
    return runAssetEvents(this.dynamo, this.tables.runs, run);
  }

  async tasks(run: {
    readonly dagId: string;
    readonly runId: string;
    readonly state?: string;
    readonly executionArn?: string;
    readonly dagVersion?: string;
  }): Promise<CloudTaskInstance[]> {
    const recorded = await listTaskInstances(this.dynamo, this.tables.taskInstances, run.dagId, run.runId);
    if (run.state !== 'running' || run.executionArn === undefined || this.sfn === undefined) return recorded;
    // A running run: the steps no worker runs are read from the execution's history (only the task's own record;
    // the instances of a mapped task show once the run ended).
    const dag = await readDagRecord(this.dynamo, this.tables.dags, run.dagId, run.dagVersion);
    const seen = new Set(recorded.map((task) => `${task.taskId}#${task.mapIndex}`));
    const sfn = this.sfn;
    // A split DAG's tasks run in child executions: their states are in the children's histories.
    const histories = await runHistories((arn) => readExecutionHistory(sfn, arn), run.executionArn);
    const newest = new Map(
      histories
        .flatMap((events) => taskStatesFromHistory(events, dag?.taskIds))
        .map((task) => [task.taskId ?? task.key, task]),
    );
    const fromHistory = [...newest.values()]
      .filter((task) => !seen.has(`${task.taskId ?? task.key}#-1`))
      .map(
        (task): CloudTaskInstance => ({
          taskId: task.taskId ?? task.key,
          mapIndex: -1,
          state: task.state,
          ...(task.try !== undefined ? { tries: task.try } : {}),
          ...(task.error !== undefined ? { error: task.error } : {}),
          ...(task.reason !== undefined ? { reason: task.reason } : {}),
        }),
      );
    return [...recorded, ...fromHistory].sort((a, b) =>
      a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : a.mapIndex - b.mapIndex,
    );
  }

  /**
   * What each task instance of the run returned (XCom results, or references to offloaded ones), by
   * `<task id>#<map index>`: from the execution's output when it succeeded, else from the newest payload in its
   * history (a failed run's, or a running run's so far). An ended execution's answer is kept: it never changes.
   */
  async results(run: {
    readonly dagId: string;
    readonly state?: string;
    readonly executionArn?: string;
    readonly dagVersion?: string;
  }): Promise<ReadonlyMap<string, unknown>> {
    if (run.executionArn === undefined || this.sfn === undefined) return new Map();
    const kept = this.keptResults.get(run.executionArn);
    if (kept !== undefined) return kept;
    const sfn = this.sfn;
    const dag = await readDagRecord(this.dynamo, this.tables.dags, run.dagId, run.dagVersion);
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: run.executionArn }));
    const results =
      execution.status === 'SUCCEEDED'
        ? taskResults(JSON.parse(execution.output ?? 'null'), dag?.taskIds)
        : new Map(
            (await runHistories((arn) => readExecutionHistory(sfn, arn), run.executionArn)).flatMap((events) => [
              ...resultsFromHistory(events, dag?.taskIds),
            ]),
          );
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') {
      this.keptResults.set(run.executionArn, results);
      if (this.keptResults.size > KEPT_RESULTS) this.keptResults.delete(this.keptResults.keys().next().value!);
    }
    return results;
  }

  private readonly keptResults = new Map<string, ReadonlyMap<string, unknown>>();

  private async dagIds(dagId: string | undefined): Promise<string[]> {
    if (dagId !== undefined) return [dagId];
    return (await listLatestDagRecords(this.dynamo, this.tables.dags)).map((record) => record.dagId);
  }
}

/** The newest result of each task instance over every state exit's payload, in event order. */
function resultsFromHistory(
  events: readonly HistoryEvent[],
  taskIds: Readonly<Record<string, string>> | undefined,
): ReadonlyMap<string, unknown> {
  const results = new Map<string, unknown>();
  for (const payload of exitPayloads(events)) {
    for (const [key, output] of taskResults(payload, taskIds)) results.set(key, output);
  }
  return results;
}
