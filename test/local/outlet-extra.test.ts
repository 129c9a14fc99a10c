import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { LocalAssetEvents } from '../../lib/local/local-asset-events.ts';
import { LocalStore } from '../../lib/local/local-store.ts';
import { runAndRecord } from '../../lib/local/record-run.ts';
import outletExtra, { customers, orders } from '../fixtures/assets/outlet_extra.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * Outlet extras in the local engine: what a task's code attaches with `ctx.outletEvents(asset).extra` is in the
 * event its success records (through the same worker answer and outlets state as in the cloud); misuse fails the
 * try at once, saying why, and records nothing.
 */
let root: string;
let store: LocalStore;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'airstep-outlet-extra-'));
  store = new LocalStore(root);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('Local engine: outlet extra', () => {
  it('records the extra each outlet was given, {} for one left alone, and fails misuse at once, saying why', async () => {
    const compiled = compileDag(outletExtra);
    expect(compiled.problems).toEqual([]);
    const ctx = manualContext(outletExtra);
    const recorded = await runAndRecord({
      dag: outletExtra,
      file: 'test/fixtures/assets/outlet_extra.ts',
      ctx,
      store,
      maxActiveTasks: 4,
      manifest: compiled.manifest!,
    });
    const byTask = new Map(recorded.tasks.filter((t) => t.mapIndex === -1).map((task) => [task.taskId, task]));
    expect(byTask.get('load')?.state).toBe('success');
    expect(byTask.get('plain')?.state).toBe('success');
    // Misuse is a bug in the task's code: failed at the first try, its retries not taken.
    for (const id of ['undeclared', 'too_big', 'not_object', 'each']) {
      expect(byTask.get(id)?.state, id).toBe('failed');
    }
    expect(byTask.get('undeclared')?.tries).toBe(1);
    expect(byTask.get('too_big')?.tries).toBe(1);

    const events = (await new LocalAssetEvents(root).events()).filter((e) => e.sourceRunId === ctx.runId);
    expect(events.map((event) => [event.sourceTaskId, event.uri, event.extra]).sort()).toEqual([
      ['load', customers.uri, { partition: 'p1' }],
      ['load', orders.uri, { rows: 42, ds: ctx.ds }],
      ['plain', 's3://lake/extra-untouched', {}],
    ]);
    // `airstep run` shows the same events, with their extras.
    const shown = (list: readonly (typeof events)[number][]) =>
      list.map((event) => JSON.stringify([event.id, event.extra])).sort();
    expect(shown(recorded.assetEvents)).toEqual(shown(events));

    // Each misuse says why, in the try's error.
    const log = async (taskId: string, mapIndex = -1) =>
      (await store.readLog('outlet_extra', recorded.run.runId, taskId, mapIndex, 1)) ?? '';
    expect(await log('undeclared')).toContain(
      `asked for the outlet event of "${orders.uri}", which is not one of its outlets (s3://lake/extra-untouched)`,
    );
    expect(await log('too_big')).toMatch(/the extra of its outlet events is \d+ bytes of JSON, over the 8192 allowed/);
    expect(await log('not_object')).toContain('must be a JSON object, got an array');
    expect(await log('each', 0)).toContain('but a mapped task has no outlets: put them on a task downstream of it');
  }, 180_000);
});
