import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { dag } from '../../lib/index.ts';
import { LocalXComStore } from '../../lib/local/local-xcom-store.ts';
import { runDagLocally } from '../../lib/local/run-dag.ts';
import { ProcessWorkerPool } from '../../lib/local/worker-pool.ts';
import { isXComRef, XCOM_INLINE_LIMIT_BYTES } from '../../lib/runtime/xcom.ts';
import heartbeats from '../fixtures/local/heartbeats.ts';
import { manualContext } from '../helpers/run-context.ts';

const roots: string[] = [];
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});
async function store(): Promise<LocalXComStore> {
  const root = await mkdtemp(join(tmpdir(), 'airstep-xcom-'));
  roots.push(root);
  return new LocalXComStore(root);
}

describe('Local engine: XCom offload', () => {
  it('passes a result above the inline limit as a reference and hands the value to the downstream task', async () => {
    const big = dag({ id: 'big_xcom' });
    const produce = big.task('produce', async () => ({
      rows: Array.from({ length: 2000 }, (_, i) => `row-${i}-${'x'.repeat(20)}`),
    }));
    big.task('consume', { inputs: { data: produce } }, async (_ctx, { data }) => ({
      rows: data.rows.length,
      last: data.rows.at(-1),
    }));
    big.task('small', async () => ({ ok: true }));

    const { execution, tasks } = await runDagLocally({ dag: big, ctx: manualContext(big), xcom: await store() });

    expect(execution.status).toBe('SUCCEEDED');
    const byId = Object.fromEntries(tasks.map((task) => [task.taskId, task]));
    const reference = byId.produce!.output;
    expect(isXComRef(reference)).toBe(true);
    const { xcomRef, bytes } = reference as { xcomRef: string; bytes: number };
    expect(bytes).toBeGreaterThan(XCOM_INLINE_LIMIT_BYTES);
    expect(existsSync(fileURLToPath(xcomRef))).toBe(true);
    expect(byId.consume!.output).toEqual({ rows: 2000, last: `row-1999-${'x'.repeat(20)}` });
  });

  it('offloads a result a Fargate task reads above 1 KiB, so its RunTask overrides stay under 8 KiB', async () => {
    const d = dag({ id: 'fargate_xcom' });
    const text = d.task('text', async () => 'y'.repeat(3000));
    const sameSize = d.task('same_size', async () => 'z'.repeat(3000));
    d.task('on_fargate', { inputs: { text }, compute: 'fargate' }, async (_ctx, { text }) => text.length);
    d.task('on_lambda', { inputs: { sameSize } }, async (_ctx, { sameSize }) => sameSize.length);

    const { execution, tasks } = await runDagLocally({ dag: d, ctx: manualContext(d), xcom: await store() });

    expect(execution.status).toBe('SUCCEEDED');
    const byId = Object.fromEntries(tasks.map((task) => [task.taskId, task]));
    expect(isXComRef(byId.text!.output)).toBe(true);
    // Read by a Lambda task only: inline up to the DAG's 8 KiB.
    expect(byId.same_size!.output).toBe('z'.repeat(3000));
    expect([byId.on_fargate!.output, byId.on_lambda!.output]).toEqual([3000, 3000]);
  });

  it("keeps a result inline up to the DAG's own xcomOffloadBytes", async () => {
    const roomy = dag({ id: 'roomy_xcom', xcomOffloadBytes: 100_000 });
    const produce = roomy.task('produce', async () => 'z'.repeat(50_000));
    roomy.task('consume', { inputs: { text: produce } }, async (_ctx, { text }) => text.length);
    const { execution, tasks } = await runDagLocally({ dag: roomy, ctx: manualContext(roomy), xcom: await store() });
    expect(execution.status).toBe('SUCCEEDED');
    expect(tasks.find((task) => task.taskId === 'produce')!.output).toBe('z'.repeat(50_000));
    expect(tasks.find((task) => task.taskId === 'consume')!.output).toBe(50_000);
  });

  it('keeps a large list that a task expands over as a list, offloading its large items one by one', async () => {
    const fan = dag({ id: 'big_map' });
    const pages = fan.task('pages', async () =>
      Array.from({ length: 8 }, (_, i) => ({ page: i, text: 'y'.repeat(6000) })),
    );
    fan.expand('measure', { over: pages }, async (_ctx, item) => ({ page: item.page, length: item.text.length }));

    const { execution, tasks } = await runDagLocally({ dag: fan, ctx: manualContext(fan), xcom: await store() });

    expect(execution.status).toBe('SUCCEEDED');
    const list = tasks.find((task) => task.taskId === 'pages')!.output as unknown[];
    expect(Array.isArray(list)).toBe(true);
    expect(list).toHaveLength(8);
    expect(list.every(isXComRef)).toBe(true);
    const measured = tasks.filter((task) => task.taskId === 'measure' && task.mapIndex >= 0);
    expect(measured.map((task) => task.output)).toEqual(
      Array.from({ length: 8 }, (_, page) => ({ page, length: 6000 })),
    );
  });
});

describe('Local engine: heartbeats from worker processes', () => {
  it('keeps a long task alive while its event loop is free, and times out one that blocks it', async () => {
    const pool = new ProcessWorkerPool({
      file: resolve('test/fixtures/local/heartbeats.ts'),
      dagId: 'heartbeats',
      size: 2,
    });
    try {
      const { tasks } = await runDagLocally({ dag: heartbeats, ctx: manualContext(heartbeats), runTry: pool.run });
      const byId = Object.fromEntries(tasks.map((task) => [task.taskId, task]));
      expect([byId.waits_politely!.state, byId.waits_politely!.output]).toEqual(['success', 'alive']);
      expect([byId.blocks_event_loop!.state, byId.blocks_event_loop!.error]).toEqual(['failed', 'States.Timeout']);
    } finally {
      await pool.close();
    }
  });
});
