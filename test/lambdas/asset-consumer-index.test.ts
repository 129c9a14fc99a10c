import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetConditionIR } from '../../lib/compiler/asset-ir.ts';
import { indexedConsumers } from '../../lib/dynamo/asset-consumer-index.ts';
import { readDagRecord, writeDagRecord } from '../../lib/dynamo/dag-record.ts';
import type { RunningEmulator } from '../../lib/emulator/launcher.ts';
import { assetEventArrived } from '../../lib/runs/asset-consumers.ts';
import { dynamoFor } from '../../localstack/stack-tables.ts';
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
