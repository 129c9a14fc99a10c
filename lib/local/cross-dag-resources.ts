import { PLACEHOLDER } from '../compiler/placeholders.ts';
import { noServiceEndpoint } from './dag-resources.ts';
import type { TaskCall, TaskResources } from './interpreter.ts';
import type { LocalDagTrigger } from './local-dag-trigger.ts';
import type { LocalStore } from './local-store.ts';
import { StatesError } from './states-error.ts';

/**
 * The local engine's stand-ins for what cross-DAG steps reach in the cloud: the runs and task-instances tables
 * are the local store (the runs of every DAG of the project, as `airstep run`, `dev` and `backfill` record
 * them), read with the same GetItem / Query calls and answered in DynamoDB's shape, so the compiled ASL runs
 * unchanged. The trigger function's stand-in is `LocalDagTrigger` (local-dag-trigger.ts): the same admission over
 * the local store, its answer in Lambda's Invoke shape; without one (a library caller that gave none) the step
 * fails saying so.
 */
export const LOCAL_CROSS_DAG = {
  triggerFunctionArn: `local-${PLACEHOLDER.triggerFunctionArn}`,
  runsTable: `local-${PLACEHOLDER.runsTable}`,
  taskInstancesTable: `local-${PLACEHOLDER.taskInstancesTable}`,
} as const;

type Attribute = { S: string } | { N: string };
type Item = Record<string, Attribute>;

export class CrossDagResources implements TaskResources {
  constructor(
    private readonly store: LocalStore,
    /** Every other call (native steps): the real service or an emulator, if configured. */
    private readonly next?: TaskResources,
    /** Answers the `triggerDag` steps' invocations of the trigger function. */
    private readonly trigger?: LocalDagTrigger,
  ) {}

  /** Whether a call is one of the stand-ins here. */
  static handles(call: TaskCall): boolean {
    const p = (call.parameters ?? {}) as Record<string, unknown>;
    return (
      p.FunctionName === LOCAL_CROSS_DAG.triggerFunctionArn ||
      p.TableName === LOCAL_CROSS_DAG.runsTable ||
      p.TableName === LOCAL_CROSS_DAG.taskInstancesTable
    );
  }

  async invoke(call: TaskCall): Promise<unknown> {
    if (!CrossDagResources.handles(call)) {
      if (this.next === undefined) throw noServiceEndpoint(call);
      return this.next.invoke(call);
    }
    const p = call.parameters as Record<string, unknown>;
    if (p.FunctionName === LOCAL_CROSS_DAG.triggerFunctionArn) {
      if (this.trigger === undefined)
        throw new StatesError(
          'Airstep.CrossDagTriggerUnsupported',
          `state ${call.stateName}: this local engine was given no trigger to start another DAG's run (triggerDag)`,
        );
      // Lambda's Invoke answer, as the optimised integration returns it (the step selects `$.Payload`).
      return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: await this.trigger.answer(p.Payload) };
    }
    if (call.resource === 'arn:aws:states:::dynamodb:getItem') return this.getItem(p);
    if (call.resource === 'arn:aws:states:::aws-sdk:dynamodb:query' && p.TableName === LOCAL_CROSS_DAG.runsTable)
      return this.queryRuns(p);
    throw new StatesError('States.Runtime', `the local engine cannot call ${call.resource} on ${String(p.TableName)}`);
  }

  /** GetItem on the runs table (`dagId`, `runId`) or the task-instances table (`runKey`, `taskKey`). */
  private async getItem(p: Record<string, unknown>): Promise<{ Item?: Item }> {
    const key = p.Key as Record<string, { S?: string }>;
    if (p.TableName === LOCAL_CROSS_DAG.runsTable) {
      const dagId = key.dagId?.S ?? '';
      const runId = key.runId?.S ?? '';
      const run = (await this.store.runs(dagId)).find((candidate) => candidate.runId === runId);
      return run === undefined ? {} : { Item: runItem(run) };
    }
    const runKey = key.runKey?.S ?? '';
    const taskKey = key.taskKey?.S ?? '';
    const split = runKey.indexOf('#');
    const mark = taskKey.lastIndexOf('#');
    if (split < 0 || mark < 0) return {};
    const [dagId, runId] = [runKey.slice(0, split), runKey.slice(split + 1)];
    const [taskId, mapIndex] = [taskKey.slice(0, mark), Number(taskKey.slice(mark + 1))];
    if (!this.store.hasRun(dagId, runId)) return {};
    const task = (await this.store.tasks(dagId, runId)).find(
      (record) => record.taskId === taskId && record.mapIndex === mapIndex,
    );
    if (task === undefined) return {};
    return {
      Item: {
        runKey: { S: runKey },
        taskKey: { S: taskKey },
        taskId: { S: taskId },
        mapIndex: { N: String(mapIndex) },
        state: { S: task.state },
      },
    };
  }

  /**
   * The Query the external-task sensor makes: a DAG's runs with one logical date (`dagId = :dag`, filter
   * `logicalDate = :date`), in run id order as DynamoDB returns a partition, in one page.
   */
  private async queryRuns(p: Record<string, unknown>): Promise<unknown> {
    const values = p.ExpressionAttributeValues as Record<string, { S?: string }>;
    if (p.KeyConditionExpression !== 'dagId = :dag' || p.FilterExpression !== 'logicalDate = :date')
      throw new StatesError('States.Runtime', 'the local runs table answers only the external-task sensor’s Query');
    const runs = await this.store.runs(values[':dag']?.S ?? '');
    const items = runs
      .filter((run) => run.logicalDate === values[':date']?.S)
      .sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0))
      .map((run) => ({ runId: { S: run.runId }, state: { S: run.state } }));
    return { Count: items.length, ScannedCount: runs.length, Items: items };
  }
}

function runItem(run: { dagId: string; runId: string; state: string; logicalDate: string; runType: string }): Item {
  return {
    dagId: { S: run.dagId },
    runId: { S: run.runId },
    state: { S: run.state },
    logicalDate: { S: run.logicalDate },
    runType: { S: run.runType },
  };
}
