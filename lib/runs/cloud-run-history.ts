import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { listLatestDagRecords, readDagRecord } from '../dynamo/dag-record.ts';
import { readExecutionHistory, taskStatesFromHistory } from './history-task-states.ts';
import {
  type CloudRun,
  type CloudTaskInstance,
  findRuns,
  listRuns,
  listTaskInstances,
  newestFirst,
} from './run-history.ts';
import { setRunNote } from './run-note.ts';

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
    const fromHistory = taskStatesFromHistory(await readExecutionHistory(this.sfn, run.executionArn), dag?.taskIds)
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

  private async dagIds(dagId: string | undefined): Promise<string[]> {
    if (dagId !== undefined) return [dagId];
    return (await listLatestDagRecords(this.dynamo, this.tables.dags)).map((record) => record.dagId);
  }
}
