import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetConditionIR } from '../../lib/compiler/asset-ir.ts';
import { indexedConsumers } from '../../lib/dynamo/asset-consumer-index.ts';
import { ensureConsumerIndex, indexRecords } from '../../lib/dynamo/asset-consumer-index-upgrade.ts';
import { type DagRecord, readDagRecord, writeDagRecord } from '../../lib/dynamo/dag-record.ts';
import { scanAll } from '../../lib/dynamo/dynamo-pages.ts';
import type { RunningEmulator } from '../../lib/emulator/launcher.ts';
import { assetEventArrived } from '../../lib/runs/asset-consumers.ts';
import { createStackTables, dynamoFor } from '../../localstack/stack-tables.ts';
import { HOLDING_DEFINITION } from '../helpers/deployed-dag.ts';
import { type TriggerOnMoto, triggerOnMoto } from '../helpers/trigger-on-moto.ts';

/**
 * The trigger finds an asset's consumers with one Query of the dags table's consumer index (kept by every write of
 * a DAG record), never a Scan; a DAG whose schedule stops naming the asset, or that is disabled, stops consuming.
 */
let moto: RunningEmulator;
let stack: TriggerOnMoto;
beforeAll(async () => {
  stack = await triggerOnMoto('consumer-index');
  moto = stack.moto;
});
afterAll(async () => {
  await moto?.stop();
});

/** A DynamoDB client that notes the name of every command it sends. */
function countingDynamo(): { dynamo: DynamoDBClient; sent: string[] } {
  const dynamo = dynamoFor(moto.endpoint);
  const sent: string[] = [];
  dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize' },
  );
  return { dynamo, sent };
}

describe('trigger: asset consumer index', () => {
  it('serves the indexed live consumers of an asset without scanning, and follows schedule changes and removal', async () => {
    const { tables, deployDag, sfn } = stack;
    const a = 's3://lake/index-a';
    const b = 's3://lake/index-b';
    const onAssets = (assets: AssetConditionIR) => ({
      params: {},
      schedule: { expression: null, timezone: 'UTC', catchup: false },
      assets,
      assetsSince: '2026-12-01T00:00:00.000Z',
    });
    await deployDag(
      'index_both',
      onAssets({
        kind: 'any',
        of: [
          { kind: 'asset', uri: a },
          { kind: 'asset', uri: b },
        ],
      }),
    );
    await deployDag('index_a', onAssets({ kind: 'asset', uri: a }));
    await deployDag('index_none', { params: {} });
    const dynamo = stack.dynamo();
    // The upgrade's one Scan (an index built for records older than it) happens once, before the events counted.
    await ensureConsumerIndex(dynamo, tables.dags, new Date('2026-12-07T09:00:00.000Z'));
    expect(await indexedConsumers(dynamo, tables.dags, a)).toEqual(['index_a', 'index_both']);
    expect(await indexedConsumers(dynamo, tables.dags, b)).toEqual(['index_both']);

    const counted = countingDynamo();
    const arrived = await assetEventArrived(
      { kind: 'asset', uri: a, eventId: 'index-1', timestamp: '2026-12-07T10:00:00.000Z' },
      { dags: tables.dags, runs: tables.runs, queuedRuns: tables.queuedRuns },
      new Date('2026-12-07T10:00:01.000Z'),
      { dynamo: counted.dynamo, sfn },
    );
    expect(arrived.consumers.map((c) => [c.dagId, c.outcome])).toEqual([
      ['index_a', 'run'],
      ['index_both', 'run'],
    ]);
    expect(counted.sent).not.toContain('ScanCommand');
    expect(counted.sent.filter((name) => name === 'QueryCommand').length).toBeGreaterThan(0);

    // index_both's schedule no longer names `a`: it stops consuming it (and still consumes `b`).
    const both = (await readDagRecord(dynamo, tables.dags, 'index_both'))!;
    await writeDagRecord(dynamo, tables.dags, { ...both, assets: { kind: 'asset', uri: b } });
    expect(await indexedConsumers(dynamo, tables.dags, a)).toEqual(['index_a']);
    expect(await indexedConsumers(dynamo, tables.dags, b)).toEqual(['index_both']);
    // index_a's file is deleted (dag-sync disables it): it consumes nothing.
    const onlyA = (await readDagRecord(dynamo, tables.dags, 'index_a'))!;
    await writeDagRecord(dynamo, tables.dags, { ...onlyA, disabled: true });
    expect(await indexedConsumers(dynamo, tables.dags, a)).toEqual([]);
    const after = await assetEventArrived(
      { kind: 'asset', uri: a, eventId: 'index-2', timestamp: '2026-12-07T11:00:00.000Z' },
      { dags: tables.dags, runs: tables.runs, queuedRuns: tables.queuedRuns },
      new Date('2026-12-07T11:00:01.000Z'),
      { dynamo, sfn },
    );
    expect(after.consumers).toEqual([]);
    // A file that brings it back makes it a consumer again.
    await writeDagRecord(dynamo, tables.dags, { ...onlyA, disabled: false });
    expect(await indexedConsumers(dynamo, tables.dags, a)).toEqual(['index_a']);
  }, 180_000);
});

/** A consumer's LATEST and version items as a stack from before the consumer index wrote them: no index items. */
async function writeOldRecord(dynamo: DynamoDBClient, table: string, record: DagRecord): Promise<void> {
  for (const version of ['LATEST', record.dagVersion])
    await dynamo.send(
      new PutItemCommand({
        TableName: table,
        Item: { dagId: { S: record.dagId }, version: { S: version }, record: { S: JSON.stringify(record) } },
      }),
    );
}

const oldConsumer = async (dagId: string, uri: string): Promise<DagRecord> => {
  const machine = await stack.sfn.send(
    new CreateStateMachineCommand({
      name: `airstep-${dagId}`,
      roleArn: 'arn:aws:iam::000000000000:role/airstep-state-machines',
      definition: JSON.stringify(HOLDING_DEFINITION),
    }),
  );
  return {
    dagId,
    dagVersion: 'v0',
    file: `dags/${dagId}.ts`,
    aliasArn: machine.stateMachineArn!,
    stateMachineArn: machine.stateMachineArn!,
    schedule: { expression: null, timezone: 'UTC', catchup: false },
    params: {},
    maxActiveRuns: 16,
    assets: { kind: 'asset', uri },
    assetsSince: '2026-12-01T00:00:00.000Z',
    disabled: false,
    updatedAt: '2026-12-01T00:00:00.000Z',
  };
};

describe('trigger: a stack upgraded from before the consumer index', () => {
  it('finds a consumer an older stack deployed on the first event after the upgrade, with no re-sync, and builds the index once', async () => {
    // Tables of their own: this file's other test builds its stack's index.
    const dynamo = stack.dynamo();
    const tables = await createStackTables(dynamo, 'upgraded');
    const uri = 's3://lake/upgraded';
    await writeOldRecord(dynamo, tables.dags, await oldConsumer('old_consumer', uri));
    await writeOldRecord(dynamo, tables.dags, {
      ...(await oldConsumer('old_disabled', uri)),
      disabled: true,
    });
    expect(await indexedConsumers(dynamo, tables.dags, uri)).toEqual([]);

    const first = await assetEventArrived(
      { kind: 'asset', uri, eventId: 'upgrade-1', timestamp: '2026-12-07T10:00:00.000Z' },
      { dags: tables.dags, runs: tables.runs, queuedRuns: tables.queuedRuns },
      new Date('2026-12-07T10:00:01.000Z'),
      { dynamo, sfn: stack.sfn },
    );
    expect(first.consumers.map((c) => [c.dagId, c.outcome])).toEqual([['old_consumer', 'run']]);
    // Indexed now (a disabled record consumes nothing), and the marker says so: no later event scans again.
    expect(await indexedConsumers(dynamo, tables.dags, uri)).toEqual(['old_consumer']);
    const marker = await dynamo.send(
      new GetItemCommand({
        TableName: tables.dags,
        Key: { dagId: { S: 'asset-consumer-index#' }, version: { S: 'built-v1' } },
      }),
    );
    expect(marker.Item?.builtAt?.S).toBe('2026-12-07T10:00:01.000Z');
    const counted = countingDynamo();
    const second = await assetEventArrived(
      { kind: 'asset', uri, eventId: 'upgrade-2', timestamp: '2026-12-07T11:00:00.000Z' },
      { dags: tables.dags, runs: tables.runs, queuedRuns: tables.queuedRuns },
      new Date('2026-12-07T11:00:01.000Z'),
      { dynamo: counted.dynamo, sfn: stack.sfn },
    );
    expect(second.consumers.map((c) => [c.dagId, c.outcome])).toEqual([['old_consumer', 'run']]);
    expect(counted.sent).not.toContain('ScanCommand');
    expect(counted.sent).not.toContain('TransactWriteItemsCommand');
    // The index items are the ones dag-sync keeps: the next write that stops consuming removes the item.
    const record = (await readDagRecord(dynamo, tables.dags, 'old_consumer'))!;
    await writeDagRecord(dynamo, tables.dags, { ...record, disabled: true });
    expect(await indexedConsumers(dynamo, tables.dags, uri)).toEqual([]);
  }, 180_000);

  it('writes no index item for a record rewritten since it was read (dag-sync deploying it meanwhile)', async () => {
    const dynamo = stack.dynamo();
    const tables = await createStackTables(dynamo, 'upgrade-race');
    const a = 's3://lake/race-a';
    const b = 's3://lake/race-b';
    const old = await oldConsumer('race_consumer', a);
    await writeOldRecord(dynamo, tables.dags, old);
    await writeOldRecord(dynamo, tables.dags, await oldConsumer('race_other', a));
    // The upgrade reads the old records, then dag-sync deploys race_consumer on `b` before the upgrade writes.
    const scanned = await scanAll(dynamo, { TableName: tables.dags });
    const latest = scanned.filter((item) => item.version?.S === 'LATEST');
    await writeDagRecord(dynamo, tables.dags, { ...old, dagVersion: 'v1', assets: { kind: 'asset', uri: b } });
    const indexed = await indexRecords(dynamo, tables.dags, latest, new Date('2026-12-07T10:00:00.000Z'));
    expect(indexed).toBe(1);
    expect(await indexedConsumers(dynamo, tables.dags, a)).toEqual(['race_other']);
    expect(await indexedConsumers(dynamo, tables.dags, b)).toEqual(['race_consumer']);
    // Done again (another trigger building at once, a redelivery): the same items, nothing more.
    expect(await indexRecords(dynamo, tables.dags, latest, new Date('2026-12-07T10:00:01.000Z'))).toBe(1);
    expect(await indexedConsumers(dynamo, tables.dags, a)).toEqual(['race_other']);
  }, 180_000);
});
