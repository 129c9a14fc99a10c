import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { initialPayload } from '../../lib/compiler/worker-contract.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * MiniStack (the emulator the stack is deployed on here) runs the `dynamodb:updateItem` integration of a
 * no-worker task's record write (lib/compiler/task-instance-write.ts): the item is in its table, written by the
 * state machine itself (no recorder runs here), and the write state succeeded rather than being caught.
 */
let ministack: RunningEmulator;
let sfn: SFNClient;
let tables: Awaited<ReturnType<typeof createStackTables>>;

beforeAll(async () => {
  ministack = await startEmulator('ministack');
  sfn = new SFNClient({ endpoint: ministack.endpoint, region: 'us-east-1', credentials: emulatorCredentials });
  tables = await createStackTables(dynamoFor(ministack.endpoint), 'tiw-ms');
}, 120_000);
afterAll(async () => {
  await ministack?.stop();
});

describe('task-instance records of tasks no worker runs, executed by MiniStack', () => {
  it("writes an empty task's record with its state, ids and execution", async () => {
    const d = dag({ id: 'tiw_ms', schedule: null });
    d.empty('mark');
    const compiled = compileDag(d);
    const definition = fillPlaceholders(compiled.asl!, {
      dagVersion: 'v1',
      controlQueueUrl: 'unused',
      taskQueueUrls: {},
      taskInstancesTable: tables.taskInstances,
    });
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: 'tiw-ms',
        definition,
        roleArn: 'arn:aws:iam::000000000000:role/sm',
      }),
    );
    const ctx = manualContext(d);
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machine.stateMachineArn!,
        input: JSON.stringify(initialPayload(ctx)),
      }),
    );
    const deadline = Date.now() + 120_000;
    let status = 'RUNNING';
    while (status === 'RUNNING' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      status = (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status!;
    }
    expect(status).toBe('SUCCEEDED');

    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    // The write ran and succeeded: no failure of any Task state (its Catch would hide one).
    expect(events.filter((event) => event.type === 'TaskFailed')).toEqual([]);
    expect(events.some((event) => event.stateEnteredEventDetails?.name === 'mark:recorded')).toBe(true);

    const item = (
      await dynamoFor(ministack.endpoint).send(
        new GetItemCommand({
          TableName: tables.taskInstances,
          Key: { runKey: { S: `tiw_ms#${ctx.runId}` }, taskKey: { S: 'mark#-1' } },
          ConsistentRead: true,
        }),
      )
    ).Item;
    expect(item).toMatchObject({
      state: { S: 'success' },
      taskId: { S: 'mark' },
      mapIndex: { N: '-1' },
      executionArn: { S: executionArn },
      endedAt: { S: expect.stringMatching(/^2\d{3}-/) },
    });
  });
});
