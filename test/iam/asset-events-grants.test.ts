import { beforeAll, describe, expect, inject, it } from 'vitest';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { IamCheck } from './check-calls.ts';
import type { RecordedCall } from './iam-requests.ts';
import { readStackFacts } from './stack-facts-file.ts';
import { STACK_ROLES, type StackRole } from './stack-role.ts';
import { TemplateValues } from './template-values.ts';

/**
 * The asset events' grants, exactly: the state machines' role may put events on the stack's asset bus (a task's
 * outlet state) and adds no other bus; no other role may put any; the trigger records events in the runs table
 * and books in the dags table with the grants it had (test/lambdas/trigger-assets.test.ts makes its calls for
 * real, under its role); dag-sync writes consumers' records as before.
 */
let check: IamCheck;
let assetBus: string;
let dagsTable: string;
let runsTable: string;
beforeAll(async () => {
  const facts = await readStackFacts(inject('iamStackFacts'));
  check = new IamCheck(facts);
  const env = new TemplateValues(facts.resources).resolve(facts.environments.dagSync) as Record<string, string>;
  assetBus = env[STACK_ENV.assetEventBusName]!;
  dagsTable = env[STACK_ENV.dagsTable]!;
  runsTable = env[STACK_ENV.runsTable]!;
});

const allowed = async (role: StackRole, service: string, command: string, input: Record<string, unknown>) => {
  const recorded: RecordedCall = { role, service, command, input, env: {} };
  return (await check.denials([recorded])).length === 0;
};
const putEvents = (bus?: string) => ({
  Entries: [{ ...(bus !== undefined ? { EventBusName: bus } : {}), Source: 'airstep.assets', Detail: '{}' }],
});

describe('IAM: asset events', () => {
  it("lets the state machines put events on the stack's asset bus, and on no other bus", async () => {
    expect(assetBus).toBeTruthy();
    expect(await allowed('stateMachine', 'EventBridge', 'PutEvents', putEvents(assetBus))).toBe(true);
    expect(await allowed('stateMachine', 'EventBridge', 'PutEvents', putEvents('someone-elses-bus'))).toBe(false);
    // The default bus only because this stack's props list it for native steps (AirstepStack's example data,
    // `eventBuses`); test/constructs/asset-events.test.ts shows the asset grant adds the asset bus alone.
    expect(await allowed('stateMachine', 'EventBridge', 'PutEvents', putEvents('default'))).toBe(true);
  });

  it('lets no other role put an asset event', async () => {
    for (const role of STACK_ROLES.filter((name) => name !== 'stateMachine'))
      expect([role, await allowed(role, 'EventBridge', 'PutEvents', putEvents(assetBus))]).toEqual([role, false]);
  });

  it('lets the trigger record asset events in the runs table and books in the dags table, and no more', async () => {
    const item = { TableName: runsTable, Item: { dagId: { S: 'asset#s3://x' }, runId: { S: 'event#1' } } };
    const query = { TableName: runsTable, KeyConditionExpression: 'dagId = :a' };
    const update = { TableName: dagsTable, Key: { dagId: { S: 'etl' }, version: { S: 'ASSET_BOOK' } } };
    expect(await allowed('trigger', 'DynamoDB', 'PutItem', item)).toBe(true);
    expect(await allowed('trigger', 'DynamoDB', 'Query', query)).toBe(true);
    expect(await allowed('trigger', 'DynamoDB', 'Scan', { TableName: dagsTable })).toBe(true);
    expect(await allowed('trigger', 'DynamoDB', 'UpdateItem', update)).toBe(true);
    // A book is written by UpdateItem only: the trigger may not put or delete dags-table items.
    expect(await allowed('trigger', 'DynamoDB', 'PutItem', { ...item, TableName: dagsTable })).toBe(false);
    expect(await allowed('trigger', 'DynamoDB', 'DeleteItem', update)).toBe(false);
    expect(await allowed('dagSync', 'DynamoDB', 'UpdateItem', update)).toBe(true);
    for (const role of ['worker', 'fargateWorker', 'containerTask', 'stateMachine', 'dagEvaluator'] as const)
      expect([role, await allowed(role, 'DynamoDB', 'PutItem', item)]).toEqual([role, false]);
  });

  it("lets dag-sync keep the dags table's asset consumer index, and the trigger Query it", async () => {
    const key = { dagId: { S: 'asset-consumer#s3://x' }, version: { S: 'consumer#etl' } };
    expect(await allowed('dagSync', 'DynamoDB', 'PutItem', { TableName: dagsTable, Item: key })).toBe(true);
    expect(await allowed('dagSync', 'DynamoDB', 'DeleteItem', { TableName: dagsTable, Key: key })).toBe(true);
    const query = { TableName: dagsTable, KeyConditionExpression: 'dagId = :asset' };
    expect(await allowed('trigger', 'DynamoDB', 'Query', query)).toBe(true);
    expect(await allowed('trigger', 'DynamoDB', 'PutItem', { TableName: dagsTable, Item: key })).toBe(false);
    expect(await allowed('trigger', 'DynamoDB', 'DeleteItem', { TableName: dagsTable, Key: key })).toBe(false);
    for (const role of ['worker', 'fargateWorker', 'containerTask', 'stateMachine', 'dagEvaluator'] as const)
      expect([role, await allowed(role, 'DynamoDB', 'PutItem', { TableName: dagsTable, Item: key })]).toEqual([
        role,
        false,
      ]);
  });

  it("lets the trigger build a pre-index stack's consumer index once (a transaction checking the record) and no worker or step", async () => {
    const key = { dagId: { S: 'asset-consumer#s3://x' }, version: { S: 'consumer#etl' } };
    const transaction = {
      TransactItems: [
        {
          ConditionCheck: {
            TableName: dagsTable,
            Key: { dagId: { S: 'etl' }, version: { S: 'LATEST' } },
            ConditionExpression: '#record = :record',
          },
        },
        { Update: { TableName: dagsTable, Key: key, UpdateExpression: 'SET indexedAt = :at' } },
      ],
    };
    const marker = { dagId: { S: 'asset-consumer-index#' }, version: { S: 'built-v1' } };
    expect(await allowed('trigger', 'DynamoDB', 'TransactWriteItems', transaction)).toBe(true);
    expect(await allowed('trigger', 'DynamoDB', 'GetItem', { TableName: dagsTable, Key: marker })).toBe(true);
    expect(await allowed('trigger', 'DynamoDB', 'UpdateItem', { TableName: dagsTable, Key: marker })).toBe(true);
    // A Put in a transaction is a PutItem, which the trigger may not make in the dags table.
    const put = { TransactItems: [{ Put: { TableName: dagsTable, Item: key } }] };
    expect(await allowed('trigger', 'DynamoDB', 'TransactWriteItems', put)).toBe(false);
    for (const role of ['worker', 'fargateWorker', 'containerTask', 'stateMachine', 'dagEvaluator'] as const)
      expect([role, await allowed(role, 'DynamoDB', 'TransactWriteItems', transaction)]).toEqual([role, false]);
  });

  it("lets the trigger set a superseded event's expiry (the runs table's TTL) and no worker or step", async () => {
    const expire = {
      TableName: runsTable,
      Key: { dagId: { S: 'asset#s3://x' }, runId: { S: 'event#1' } },
      UpdateExpression: 'SET #expires = :at',
    };
    expect(await allowed('trigger', 'DynamoDB', 'UpdateItem', expire)).toBe(true);
    for (const role of ['worker', 'fargateWorker', 'containerTask', 'stateMachine', 'dagEvaluator'] as const)
      expect([role, await allowed(role, 'DynamoDB', 'UpdateItem', expire)]).toEqual([role, false]);
  });
});
