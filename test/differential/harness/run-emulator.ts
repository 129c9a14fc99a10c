import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type CompiledDag, compileDag } from '../../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../../lib/compiler/fill-placeholders.ts';
import { workerTasksOf } from '../../../lib/compiler/worker-contract.ts';
import { executionName } from '../../../lib/runs/execution-name.ts';
import { manualContext } from '../../helpers/run-context.ts';
import { type Behaviour, play, succeed } from './behaviour.ts';
import type { DifferentialCase } from './case.ts';
import { CallLog, finalPayload, type Observed, taskViews } from './observe.ts';
import { TestWorker } from './test-worker.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
let deployed = 0;

/**
 * Runs a case on an emulator's Step Functions (moto or MiniStack): creates the control queue and one queue per
 * worker queue the DAG uses, fills the definition's placeholders as the deployer does (`fillPlaceholders`, the
 * function dag-sync deploys with), creates the state machine, starts the run with the payload the trigger Lambda
 * sends, answers the messages with the test worker, and reads the outcome back from DescribeExecution and
 * GetExecutionHistory.
 */
export async function runOnEmulator(
  test: DifferentialCase,
  endpoint: string,
  options: { deadlineSeconds?: number } = {},
): Promise<Observed> {
  const compiled = compileDag(test.dag);
  if (compiled.asl === undefined)
    throw new Error(`${test.name}: ${compiled.problems.map((p) => p.message).join('; ')}`);
  const sqs = new SQSClient({ endpoint, region: 'us-east-1', credentials });
  const sfn = new SFNClient({ endpoint, region: 'us-east-1', credentials });
  try {
    const prefix = `d${++deployed}-${test.dag.id.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 60);
    const { definition, controlQueue, taskQueues } = await deploy(compiled, prefix, sqs, endpoint);
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: prefix,
        definition,
        roleArn: 'arn:aws:iam::123456789012:role/airstep-state-machines',
      }),
    );
    const ctx = test.ctx ?? manualContext(test.dag);
    const log = new CallLog();
    const heartbeatSeconds = new Map(compiled.ir.tasks.map((task) => [task.id, task.heartbeatSeconds]));
    const keys = new Map(compiled.ir.tasks.map((task) => [task.id, task.key]));
    const workerTasks = workerTasksOf(compiled.manifest!);
    const behaviourOf = (taskId: string): Behaviour => test.behaviours?.[taskId] ?? test.defaultBehaviour ?? succeed();
    const worker = new TestWorker({
      sqs,
      sfn,
      taskQueues,
      controlQueue,
      keyOf: (taskId) => keys.get(taskId)!,
      run: (message, heartbeat) =>
        log.track(message, (callIndex) =>
          play(behaviourOf(message.taskId), message, {
            dag: test.dag,
            tasks: workerTasks,
            callIndex,
            sleep,
            heartbeat,
            started: (taskId) => log.started(taskId),
            heartbeatEveryMs: (taskId) => {
              const seconds = heartbeatSeconds.get(taskId);
              return seconds === undefined ? undefined : (seconds * 1000) / 3;
            },
          }),
        ),
    });

    let described: DescribeExecutionCommandOutput | undefined;
    try {
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: machine.stateMachineArn!,
          name: executionName(ctx.runId),
          input: JSON.stringify({ ctx, tasks: {}, gates: {} }),
        }),
      );
      const deadline = Date.now() + (options.deadlineSeconds ?? 60) * 1000;
      do {
        await sleep(150);
        described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      } while (described.status === 'RUNNING' && Date.now() < deadline);
    } finally {
      await worker.stop();
    }
    if (described === undefined || described.status === 'RUNNING')
      throw new Error(`${test.name}: still running after the deadline`);
    const calls = await log.drain();
    const events = await history(sfn, described.executionArn!);
    const topLevel = new Set(Object.keys((JSON.parse(definition) as { States: object }).States));
    const entered = events.flatMap((event) =>
      event.stateEnteredEventDetails !== undefined
        ? [{ name: event.stateEnteredEventDetails.name!, input: JSON.parse(event.stateEnteredEventDetails.input!) }]
        : [],
    );
    return {
      status: described.status ?? 'UNKNOWN',
      ...(described.error !== undefined ? { error: described.error } : {}),
      tasks: taskViews(finalPayload(entered, topLevel), compiled.ir),
      calls,
      ...(test.before !== undefined ? { order: log.orderOf(test.before) } : {}),
    };
  } finally {
    sqs.destroy();
    sfn.destroy();
  }
}

async function taskInstancesTable(name: string, endpoint: string): Promise<string> {
  const dynamo = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials });
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'runKey', AttributeType: 'S' },
          { AttributeName: 'taskKey', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'runKey', KeyType: 'HASH' },
          { AttributeName: 'taskKey', KeyType: 'RANGE' },
        ],
      }),
    );
  } finally {
    dynamo.destroy();
  }
  return name;
}

/** The queues a DAG needs and its definition with every placeholder filled, as a deployment would have it. */
async function deploy(compiled: CompiledDag, prefix: string, sqs: SQSClient, endpoint: string) {
  const queue = async (name: string) =>
    (await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-${name}` }))).QueueUrl!;
  const controlQueue = await queue('control');
  const taskQueueUrls: Record<string, string> = {};
  for (const name of new Set(compiled.ir.tasks.map((task) => task.queue))) taskQueueUrls[name] = await queue(name);
  const definition = fillPlaceholders(compiled.asl!, {
    dagVersion: 'differential',
    controlQueueUrl: controlQueue,
    taskQueueUrls,
    // Tasks no worker runs write their records there as they end (the stack's task-instances table's keys).
    ...(compiled.manifest!.placeholders.includes('TaskInstancesTable')
      ? { taskInstancesTable: await taskInstancesTable(`${prefix}-task-instances`, endpoint) }
      : {}),
  });
  return { definition, controlQueue, taskQueues: Object.values(taskQueueUrls) };
}

async function history(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return events;
}
