import {
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { readDagRecord } from './dag-record.ts';
import { executionName } from './execution-name.ts';
import type { PoolSlots } from './pool-slots.ts';
import type { RunContext } from './task-message.ts';

/** The `detail` of an EventBridge "Step Functions Execution Status Change" event. */
export interface ExecutionStatusChange {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly startDate: number;
  readonly stopDate?: number | null;
  readonly input?: string | null;
  readonly output?: string | null;
  readonly error?: string | null;
  readonly cause?: string | null;
}

export interface TaskRecordSummary {
  readonly key: string;
  readonly state: string;
  readonly try?: number;
  readonly error?: string;
}

export const RUN_STATE: Record<ExecutionStatusChange['status'], string> = {
  RUNNING: 'running',
  SUCCEEDED: 'success',
  FAILED: 'failed',
  TIMED_OUT: 'failed',
  ABORTED: 'interrupted',
};

/** Task records of a run's payload (`{ ctx, tasks, gates }`), in key order. */
export function taskRecords(payload: unknown): TaskRecordSummary[] {
  const tasks = (payload as { tasks?: Record<string, Record<string, unknown>> } | null)?.tasks ?? {};
  return Object.entries(tasks)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, record]) => ({
      key,
      state: String(record.state),
      ...(typeof record.try === 'number' ? { try: record.try } : {}),
      ...((record.error as { Error?: string } | undefined)?.Error !== undefined
        ? { error: (record.error as { Error: string }).Error }
        : {}),
    }));
}

/** The alert a failed run sends: what failed, and where to look. */
export function alertText(input: {
  readonly ctx: RunContext;
  readonly status: string;
  readonly executionArn: string;
  readonly region: string;
  readonly tasks: readonly TaskRecordSummary[];
  readonly error?: string | null;
}): { subject: string; message: string } {
  const failed = input.tasks.filter((task) => task.state === 'failed');
  const upstreamFailed = input.tasks.filter((task) => task.state === 'upstream_failed');
  const link = `https://${input.region}.console.aws.amazon.com/states/home?region=${input.region}#/v2/executions/details/${input.executionArn}`;
  const lines = [
    `DAG ${input.ctx.dagId}, run ${input.ctx.runId}: ${input.status}${input.error ? ` (${input.error})` : ''}`,
    `logical date ${input.ctx.logicalDate}`,
    failed.length > 0
      ? `failed tasks: ${failed.map((task) => `${task.key}${task.error ? ` (${task.error})` : ''}`).join(', ')}`
      : 'no task failed (the run itself ended early)',
    ...(upstreamFailed.length > 0
      ? [`not run (upstream failed): ${upstreamFailed.map((task) => task.key).join(', ')}`]
      : []),
    `execution: ${link}`,
  ];
  return {
    subject: `Airstep: ${input.ctx.dagId} run ${input.status.toLowerCase()}`.slice(0, 100),
    message: lines.join('\n'),
  };
}

export interface RecorderDeps {
  readonly dynamo: DynamoDBClient;
  readonly tables: {
    readonly dags: string;
    readonly runs: string;
    readonly taskInstances: string;
    readonly queuedRuns: string;
  };
  readonly alertsTopicArn: string;
  readonly region: string;
  readonly sfn?: SFNClient;
  readonly sns?: SNSClient;
  /** Pool slots to give back when a run ends (what a dead worker or a timed-out try still held). */
  readonly pools?: PoolSlots;
}

export interface Recorded {
  readonly dagId: string;
  readonly runId: string;
  readonly state: string;
  readonly tasks: TaskRecordSummary[];
  readonly alerted: boolean;
  readonly startedQueued?: string;
}

/**
 * Records a run's status change: the run record and its task instances, an alert when it did not succeed, and —
 * when it ended — the oldest queued run of the DAG started in its place. Idempotent: records are overwritten
 * with the same values and a queued run is taken under a condition.
 */
export async function recordExecution(
  change: ExecutionStatusChange,
  deps: RecorderDeps,
): Promise<Recorded | undefined> {
  const ctx = (JSON.parse(change.input ?? '{}') as { ctx?: RunContext }).ctx;
  if (ctx === undefined) return undefined; // not an Airstep run
  const sfn = deps.sfn ?? new SFNClient({});
  const state = RUN_STATE[change.status];
  const payload = change.status === 'SUCCEEDED' ? JSON.parse(change.output ?? 'null') : await lastPayload(sfn, change);
  const tasks = taskRecords(payload);
  const runKey = `${ctx.dagId}#${ctx.runId}`;
  await deps.dynamo.send(
    new UpdateItemCommand({
      TableName: deps.tables.runs,
      Key: { dagId: { S: ctx.dagId }, runId: { S: ctx.runId } },
      UpdateExpression:
        'SET #state = :state, executionArn = :arn, startedAt = if_not_exists(startedAt, :started)' +
        (change.stopDate ? ', endedAt = :ended' : ''),
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ':state': { S: state },
        ':arn': { S: change.executionArn },
        ':started': { S: new Date(change.startDate).toISOString() },
        ...(change.stopDate ? { ':ended': { S: new Date(change.stopDate).toISOString() } } : {}),
      },
    }),
  );
  for (const task of tasks) {
    await deps.dynamo.send(
      new PutItemCommand({
        TableName: deps.tables.taskInstances,
        Item: {
          runKey: { S: runKey },
          taskKey: { S: `${task.key}#-1` },
          state: { S: task.state },
          ...(task.try !== undefined ? { tries: { N: String(task.try) } } : {}),
          ...(task.error !== undefined ? { error: { S: task.error } } : {}),
        },
      }),
    );
  }
  let alerted = false;
  if (state === 'failed' || state === 'interrupted') {
    const { subject, message } = alertText({
      ctx,
      status: change.status,
      executionArn: change.executionArn,
      region: deps.region,
      tasks,
      error: change.error,
    });
    await (deps.sns ?? new SNSClient({})).send(
      new PublishCommand({ TopicArn: deps.alertsTopicArn, Subject: subject, Message: message }),
    );
    alerted = true;
  }
  if (change.status !== 'RUNNING') await deps.pools?.releaseExecution(change.executionArn);
  const startedQueued = change.status === 'RUNNING' ? undefined : await startNextQueued(ctx.dagId, sfn, deps);
  return {
    dagId: ctx.dagId,
    runId: ctx.runId,
    state,
    tasks,
    alerted,
    ...(startedQueued !== undefined ? { startedQueued } : {}),
  };
}

/** A run that did not succeed has no output: its last payload is the newest state output in the history. */
async function lastPayload(sfn: SFNClient, change: ExecutionStatusChange): Promise<unknown> {
  const history = await sfn.send(
    new GetExecutionHistoryCommand({ executionArn: change.executionArn, reverseOrder: true, maxResults: 200 }),
  );
  for (const event of history.events ?? []) {
    const output = event.stateExitedEventDetails?.output;
    if (output === undefined) continue;
    const parsed = JSON.parse(output) as { tasks?: unknown };
    if (parsed?.tasks !== undefined) return parsed;
  }
  return null;
}

async function startNextQueued(dagId: string, sfn: SFNClient, deps: RecorderDeps): Promise<string | undefined> {
  const queued = await deps.dynamo.send(
    new QueryCommand({
      TableName: deps.tables.queuedRuns,
      KeyConditionExpression: 'dagId = :dag',
      ExpressionAttributeValues: { ':dag': { S: dagId } },
      Limit: 1,
      ConsistentRead: true,
    }),
  );
  const next = queued.Items?.[0];
  if (next === undefined) return undefined;
  try {
    await deps.dynamo.send(
      new DeleteItemCommand({
        TableName: deps.tables.queuedRuns,
        Key: { dagId: next.dagId!, queuedAt: next.queuedAt! },
        ConditionExpression: 'attribute_exists(queuedAt)',
      }),
    );
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return undefined; // another recorder took it
    throw error;
  }
  const dag = await readDagRecord(deps.dynamo, deps.tables.dags, dagId);
  if (dag === undefined || dag.disabled) return undefined;
  const runId = next.runId!.S!;
  const started = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: dag.aliasArn, name: executionName(runId), input: next.input!.S! }),
  );
  await deps.dynamo.send(
    new PutItemCommand({
      TableName: deps.tables.runs,
      Item: {
        dagId: { S: dagId },
        runId: { S: runId },
        state: { S: 'running' },
        executionArn: { S: started.executionArn! },
        startedAt: { S: new Date().toISOString() },
      },
    }),
  );
  return runId;
}
