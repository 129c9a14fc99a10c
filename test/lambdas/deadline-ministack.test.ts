import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { triggerRun } from '../../lib/runs/trigger-run.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { lambdaPackage } from '../cli/lambda-package.ts';
import { deployDagRecord } from '../helpers/deployed-dag.ts';

/**
 * A deadline schedule really firing: MiniStack's Scheduler fires the `at()` schedule the trigger's code creates,
 * and invokes the recorder — `lambdas/recorder/index.ts` bundled and deployed as a MiniStack function — with the
 * schedule's input, which records the miss of the still-running run in the runs table. (moto keeps schedules but
 * never fires them; test/lambdas/deadline.test.ts covers the rest on moto.)
 */
const region = 'us-east-1';
const GROUP = 'ministack-deadlines';
let ministack: RunningEmulator;
let sfn: SFNClient;
let scheduler: SchedulerClient;
let recorderArn: string;
let tables: Awaited<ReturnType<typeof createStackTables>>;
const dynamo = () => dynamoFor(ministack.endpoint);

beforeAll(async () => {
  ministack = await startEmulator('ministack');
  const clientConfig = { endpoint: ministack.endpoint, region, credentials: emulatorCredentials };
  sfn = new SFNClient(clientConfig);
  scheduler = new SchedulerClient(clientConfig);
  tables = await createStackTables(dynamo(), 'deadline-ms');
  await scheduler.send(new CreateScheduleGroupCommand({ Name: GROUP }));
  const topicArn = (await new SNSClient(clientConfig).send(new CreateTopicCommand({ Name: 'ms-alerts' }))).TopicArn!;
  const lambda = new LambdaClient(clientConfig);
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'airstep-recorder',
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/airstep-recorder',
      Code: { ZipFile: await lambdaPackage('lambdas/recorder/index.ts') },
      Timeout: 60,
      Environment: {
        Variables: {
          [STACK_ENV.dagsTable]: tables.dags,
          [STACK_ENV.runsTable]: tables.runs,
          [STACK_ENV.taskInstancesTable]: tables.taskInstances,
          [STACK_ENV.queuedRunsTable]: tables.queuedRuns,
          [STACK_ENV.poolSlotsTable]: tables.poolSlots,
          [STACK_ENV.pools]: '{}',
          [STACK_ENV.alertsTopicArn]: topicArn,
          [STACK_ENV.deadlineScheduleGroup]: GROUP,
        },
      },
    }),
  );
  const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: 'airstep-recorder' }));
  recorderArn = Configuration!.FunctionArn!;
});
afterAll(async () => {
  await ministack?.stop();
});

describe('Deadlines on MiniStack (its Scheduler fires the at() schedule)', () => {
  it('records the miss of a run still running when its deadline schedule fires the recorder', async () => {
    await deployDagRecord({ sfn, dynamo: dynamo(), dagsTable: tables.dags }, 'ms_deadline', {
      deadline: { reference: 'queuedAt', intervalSeconds: 1, alert: true },
    });
    const handedOver: unknown[] = [];
    const result = await triggerRun(
      { kind: 'manual', dagId: 'ms_deadline' },
      { dags: tables.dags, runs: tables.runs, queuedRuns: tables.queuedRuns },
      new Date(),
      {
        dynamo: dynamo(),
        sfn,
        deadlines: {
          scheduler,
          group: GROUP,
          roleArn: 'arn:aws:iam::000000000000:role/airstep-deadline-schedules',
          targetArn: recorderArn,
          fireNow: async (event) => {
            handedOver.push(event);
          },
        },
      },
    );
    expect(result.outcome).toBe('started');
    // One second ahead when armed: a schedule, not the at-once path.
    expect(handedOver).toEqual([]);
    const runId = (result as { runId: string }).runId;

    // MiniStack sweeps its schedules every 10 s: wait for the recorder's write (a generous backstop for a busy machine).
    const giveUp = Date.now() + 120_000;
    let run = await runItemOf(runId);
    while (run?.deadlineMissedAt === undefined && Date.now() < giveUp) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      run = await runItemOf(runId);
    }
    expect(run?.state?.S).toBe('running');
    expect(run?.deadlineMissedAt?.S).toEqual(expect.any(String));
    expect(Date.parse(run!.deadline!.S!)).toBeGreaterThan(Date.parse(run!.triggeredAt!.S!));
  });
});

async function runItemOf(runId: string) {
  return (
    await dynamo().send(
      new GetItemCommand({
        TableName: tables.runs,
        Key: { dagId: { S: 'ms_deadline' }, runId: { S: runId } },
        ConsistentRead: true,
      }),
    )
  ).Item;
}
