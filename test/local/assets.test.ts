import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumer } from '../../dags/examples/asset_consumer.ts';
import producer from '../../dags/examples/asset_producer.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { AssetTrigger } from '../../lib/local/asset-trigger.ts';
import { LocalAssetEvents } from '../../lib/local/local-asset-events.ts';
import { LocalStore } from '../../lib/local/local-store.ts';
import { runAndRecord } from '../../lib/local/record-run.ts';
import { assetRunContext } from '../../lib/runtime/run-context.ts';
import type { Dag } from '../../lib/sdk/dag.ts';
import outcomes from '../fixtures/local/asset_outcomes.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * Assets in the local engine: a producing task records an event per outlet as it succeeds; `airstep dev`'s
 * trigger (AssetTrigger) starts the consumer once its condition is met, and the run's tasks see the events.
 */
let root: string;
let store: LocalStore;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'airstep-assets-'));
  store = new LocalStore(root);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const run = (dag: Dag, file: string, ctx = manualContext(dag)) => {
  const compiled = compileDag(dag);
  return runAndRecord({ dag, file, ctx, store, maxActiveTasks: 4, manifest: compiled.manifest! });
};

describe('Local engine: assets', () => {
  it('records an event for each of the outlets of a task that succeeded, none for one that failed or skipped', async () => {
    const recorded = await run(outcomes, 'test/fixtures/local/asset_outcomes.ts');
    expect(recorded.tasks.map((task) => [task.taskId, task.state])).toEqual([
      ['fails', 'failed'],
      ['marks', 'success'],
      ['ok', 'success'],
      ['skips', 'skipped'],
    ]);
    const events = (await new LocalAssetEvents(root).events()).filter((e) => e.sourceDagId === 'asset_outcomes');
    expect(events.map((event) => [event.uri, event.sourceTaskId]).sort()).toEqual([
      ['s3://t/both', 'marks'],
      ['s3://t/both', 'ok'],
      ['s3://t/ok', 'ok'],
    ]);
    expect(recorded.assetEvents).toHaveLength(3);
    for (const event of events) expect(event.sourceRunId).toBe('manual__2026-11-22T06:00:00+00:00');
  }, 120_000);

  it('starts the consumer once both assets were updated, consuming the events, and its task sees them', async () => {
    const events = new LocalAssetEvents(root);
    const trigger = new AssetTrigger(events);
    const manifest = compileDag(consumer).manifest!;
    trigger.set({ dagId: consumer.id, condition: manifest.assets!, maxActiveRuns: 1 });
    // First seen now: it queues events from here on, none yet.
    expect(await trigger.pass(new Date())).toEqual([]);

    const produced = await run(producer, 'dags/examples/asset_producer.ts');
    expect(produced.run.state).toBe('success');
    const due = await trigger.pass(new Date());
    expect(due.map((d) => d.dagId)).toEqual(['asset_consumer']);
    expect(due[0]!.runId).toMatch(/^asset_triggered__\d{4}-\d{2}-\d{2}T/);
    expect(Object.keys(due[0]!.triggeringAssetEvents).sort()).toEqual([
      's3://airstep-lake/customers',
      's3://airstep-lake/orders',
    ]);
    // Consumed: the next pass (the run still active, or not) finds nothing due.
    trigger.finished(consumer.id);
    expect(await trigger.pass(new Date())).toEqual([]);

    const ctx = assetRunContext({
      dagId: consumer.id,
      timezone: 'UTC',
      at: due[0]!.at,
      params: {},
      triggeringAssetEvents: due[0]!.triggeringAssetEvents,
    });
    expect(ctx.runId).toBe(due[0]!.runId);
    expect(ctx.ds).toBe(due[0]!.at.toISOString().slice(0, 10));
    const consumed = await run(consumer, 'dags/examples/asset_consumer.ts', ctx);
    expect(consumed.run.runType).toBe('asset_triggered');
    expect(consumed.tasks[0]?.output).toEqual({
      runType: 'asset_triggered',
      // In the order the assets were first updated (load_customers runs after load_orders).
      updated: [
        {
          uri: 's3://airstep-lake/orders',
          events: 1,
          by: ['asset_producer.load_orders'],
          // What load_orders attached to its outlet event (ctx.outletEvents(orders).extra).
          extra: [{ rows: 42, partition: manualContext(producer).ds }],
        },
        { uri: 's3://airstep-lake/customers', events: 1, by: ['asset_producer.load_customers'], extra: [{}] },
      ],
    });
  }, 180_000);

  it('a task of a run not triggered by assets sees no triggering events', async () => {
    const recorded = await run(consumer, 'dags/examples/asset_consumer.ts');
    expect(recorded.tasks[0]?.output).toEqual({ runType: 'manual', updated: [] });
  }, 120_000);

  it('keeps a consumer at maxActiveRuns waiting: its events stay queued until a run ends', async () => {
    const events = new LocalAssetEvents(root);
    const trigger = new AssetTrigger(events);
    const condition = compileDag(consumer).manifest!.assets!;
    trigger.set({ dagId: 'busy_consumer', condition, maxActiveRuns: 1 });
    await trigger.pass(new Date(Date.now() - 1000));
    const source = { dagId: 'p', taskId: 't', runId: 'r' };
    await events.record(['s3://airstep-lake/orders', 's3://airstep-lake/customers'], source, new Date());
    expect((await trigger.pass(new Date())).map((d) => d.dagId)).toEqual(['busy_consumer']);
    await events.record(['s3://airstep-lake/orders', 's3://airstep-lake/customers'], source, new Date());
    expect(await trigger.pass(new Date())).toEqual([]);
    trigger.finished('busy_consumer');
    const next = await trigger.pass(new Date());
    expect(next.map((d) => Object.values(d.triggeringAssetEvents).map((list) => list.length))).toEqual([[1, 1]]);
  });

  it('queues nothing for a paused consumer (Airflow 3): events from while it was paused never trigger it', async () => {
    const events = new LocalAssetEvents(root);
    let paused = true;
    const trigger = new AssetTrigger(events, () => paused);
    const condition = compileDag(consumer).manifest!.assets!;
    trigger.set({ dagId: 'paused_consumer', condition, maxActiveRuns: 1 });
    await trigger.pass(new Date(Date.now() - 1000));
    const source = { dagId: 'p', taskId: 't', runId: 'r' };
    await events.record(['s3://airstep-lake/orders', 's3://airstep-lake/customers'], source, new Date());
    expect(await trigger.pass(new Date())).toEqual([]);
    paused = false;
    expect(await trigger.pass(new Date())).toEqual([]);
    await events.record(['s3://airstep-lake/orders'], source, new Date());
    expect(await trigger.pass(new Date())).toEqual([]);
    await events.record(['s3://airstep-lake/customers'], source, new Date());
    const due = await trigger.pass(new Date());
    expect(due.map((d) => Object.values(d.triggeringAssetEvents).map((list) => list.length))).toEqual([[1, 1]]);
  });
});
