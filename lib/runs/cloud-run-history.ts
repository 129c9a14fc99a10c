import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { listLatestDagRecords } from '../dynamo/dag-record.ts';
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

  tasks(run: { readonly dagId: string; readonly runId: string }): Promise<CloudTaskInstance[]> {
    return listTaskInstances(this.dynamo, this.tables.taskInstances, run.dagId, run.runId);
  }

  private async dagIds(dagId: string | undefined): Promise<string[]> {
    if (dagId !== undefined) return [dagId];
    return (await listLatestDagRecords(this.dynamo, this.tables.dags)).map((record) => record.dagId);
  }
}
