import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunPayload } from '../../lib/compiler/worker-contract.ts';
import type { RunningEmulator } from '../../lib/emulator/launcher.ts';
import type { AssetEventResult } from '../../lib/runs/asset-consumers.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { type TriggerOnMoto, triggerOnMoto } from '../helpers/trigger-on-moto.ts';

/**
 * Recorded asset events expire (lib/compiler/asset-event-retention.ts), through the trigger Lambda's handler
 * on moto with its calls checked against the trigger role's policies: each event's marker and by-asset item get
 * `expiresAt` = timestamp + the retention, except the newest by-asset item of each asset, which gets it only when a
 * newer event is recorded; events still queued for a consumer are served to it until then.
 */
let moto: RunningEmulator;
let stack: TriggerOnMoto;
const DAYS = 30;

beforeAll(async () => {
  // The construct's `assetEventRetention`, as the trigger reads it when it is loaded.
  process.env[STACK_ENV.assetEventRetentionDays] = String(DAYS);
  stack = await triggerOnMoto('retention');
  moto = stack.moto;
});
afterAll(async () => {
  delete process.env[STACK_ENV.assetEventRetentionDays];
  await moto?.stop();
});

const expiry = (timestamp: string) => String(Math.floor(Date.parse(timestamp) / 1000) + DAYS * 86_400);
const event = (uri: string, eventId: string, timestamp: string) => ({
  kind: 'asset' as const,
  uri,
  eventId,
  timestamp,
  sourceDagId: 'producer',
  sourceTaskId: 'load',
});

describe('trigger: asset events expire', () => {
  it('expires markers and superseded events after the retention, keeps the newest of each asset, loses no queued event', async () => {
    const { tables, sfn, handler, dynamo, deployDag } = stack;
    const a = 's3://lake/retained-a';
    const b = 's3://lake/retained-b';
    const consumer = await deployDag('retention_consumer', {
      params: {},
      schedule: { expression: null, timezone: 'UTC', catchup: false },
      assets: {
        kind: 'all',
        of: [
          { kind: 'asset', uri: a },
          { kind: 'asset', uri: b },
        ],
      },
      assetsSince: '2026-12-01T00:00:00.000Z',
    });
    const byAsset = async (uri: string) =>
      Object.fromEntries(
        (
          (
            await dynamo().send(
              new QueryCommand({
                TableName: tables.runs,
                KeyConditionExpression: 'dagId = :a',
                ExpressionAttributeValues: { ':a': { S: `asset#${uri}` } },
                ConsistentRead: true,
              }),
            )
          ).Items ?? []
        ).map((item) => [JSON.parse(item.event!.S!).eventId as string, item.expiresAt?.N]),
      );

    await handler(event(a, 'a-2', '2026-12-02T10:00:00.000Z'));
    expect(await byAsset(a)).toEqual({ 'a-2': undefined });
    await handler(event(a, 'a-3', '2026-12-03T10:00:00.000Z'));
    expect(await byAsset(a)).toEqual({ 'a-2': expiry('2026-12-02T10:00:00.000Z'), 'a-3': undefined });
    // Recorded out of order (older than the newest): expires at once by its own timestamp.
    await handler(event(a, 'a-1', '2026-12-01T10:00:00.000Z'));
    expect(await byAsset(a)).toEqual({
      'a-1': expiry('2026-12-01T10:00:00.000Z'),
      'a-2': expiry('2026-12-02T10:00:00.000Z'),
      'a-3': undefined,
    });
    // A redelivery changes nothing.
    await handler(event(a, 'a-3', '2026-12-03T10:00:00.000Z'));
    expect((await byAsset(a))['a-3']).toBeUndefined();
    const marker = await dynamo().send(
      new GetItemCommand({
        TableName: tables.runs,
        Key: { dagId: { S: 'asset-event#a-3' }, runId: { S: 'ASSET_EVENT' } },
        ConsistentRead: true,
      }),
    );
    expect(marker.Item?.expiresAt?.N).toBe(expiry('2026-12-03T10:00:00.000Z'));

    // The consumer still gets every queued event of `a` (none expired yet) once `b` is updated.
    const result = (await handler(event(b, 'b-1', '2026-12-04T10:00:00.000Z'))) as AssetEventResult;
    expect(result.consumers.map((c) => c.outcome)).toEqual(['run']);
    const runs = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: consumer.stateMachineArn }))).executions!;
    expect(runs).toHaveLength(1);
    const input = JSON.parse(
      (await sfn.send(new DescribeExecutionCommand({ executionArn: runs[0]!.executionArn! }))).input!,
    ) as RunPayload;
    expect(input.ctx.triggeringAssetEvents?.[a]?.map((e) => e.timestamp)).toEqual([
      '2026-12-01T10:00:00.000Z',
      '2026-12-02T10:00:00.000Z',
      '2026-12-03T10:00:00.000Z',
    ]);
    expect(await byAsset(b)).toEqual({ 'b-1': undefined });
  }, 180_000);
});
