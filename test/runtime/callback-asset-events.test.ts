import { describe, expect, it } from 'vitest';
import { dagCallbackMessage } from '../../lib/runtime/callback-messages.ts';
import { runCallback } from '../../lib/runtime/run-callback.ts';
import { assetRunContext } from '../../lib/runtime/run-context.ts';
import type { AssetEventInfo } from '../../lib/sdk/context.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * A DAG callback of an asset-triggered run sees the events that started it, as its tasks do (the worker that runs
 * it, Lambda, Fargate or local, reads them from the run's context in the message).
 */
describe('runCallback: triggering asset events', () => {
  it("gives a DAG callback of an asset_triggered run its triggeringAssetEvents, {} to another run's", async () => {
    const seen: Array<Readonly<Record<string, readonly AssetEventInfo[]>>> = [];
    const consumer = dag({
      id: 'on_assets_callback',
      onSuccess: (ctx) => {
        seen.push(ctx.triggeringAssetEvents);
      },
    });
    consumer.task('t', async () => 1);
    const events = {
      's3://lake/a': [
        {
          uri: 's3://lake/a',
          timestamp: '2026-12-07T10:00:00.000Z',
          sourceDagId: 'p',
          sourceTaskId: 'load',
          sourceRunId: 'manual__x',
          extra: { rows: 3 },
        },
      ],
    };
    const ctx = assetRunContext({
      dagId: consumer.id,
      timezone: 'UTC',
      at: new Date('2026-12-07T10:00:01.000Z'),
      params: {},
      triggeringAssetEvents: events,
    });
    const call = { name: 'onSuccess', state: 'success' } as const;
    const called = await runCallback(
      consumer,
      dagCallbackMessage({ dagVersion: 'v1', executionArn: 'arn:a', ctx }, call),
      {},
    );
    expect(called.status).toBe('called');
    await runCallback(
      consumer,
      dagCallbackMessage({ dagVersion: 'v1', executionArn: 'arn:b', ctx: manualContext(consumer) }, call),
      {},
    );
    expect(seen).toEqual([events, {}]);
  });
});
