import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import {
  type FindTarget,
  LocalDagTrigger,
  type TriggeredRun,
  type TriggerTarget,
} from '../../lib/local/local-dag-trigger.ts';
import { LocalStore } from '../../lib/local/local-store.ts';
import { adoptQueuedRuns } from '../../lib/local/queued-run-adoption.ts';
import { dag } from '../../lib/sdk/dag.ts';

/**
 * The local stand-in for the trigger function, alone: what a `triggerDag` step's invocation is answered, and
 * when the admitted runs run. The runs here are stand-ins that record themselves as `runAndRecord` does
 * (running, then their end) and end when the test says, so the order of events is what is asserted.
 */

function target(id: string, maxActiveRuns = 16): TriggerTarget {
  const declared = dag({
    id,
    schedule: null,
    maxActiveRuns,
    params: { rows: { type: 'integer', default: 1 } },
  });
  declared.task('take', async () => 1);
  const compiled = compileDag(declared, { file: `dags/${id}.ts` });
  expect(compiled.problems).toEqual([]);
  return { dag: declared, file: `dags/${id}.ts`, ir: compiled.ir };
}

const findIn =
  (...targets: TriggerTarget[]): FindTarget =>
  async (dagId) => {
    const found = targets.find((candidate) => candidate.dag.id === dagId);
    return found !== undefined ? { ok: true, target: found } : { ok: false, problems: [`no DAG '${dagId}' here`] };
  };

/** Runs that record themselves `running`, then end `success` when `end(runId)` is called. */
function heldRuns(store: LocalStore) {
  const events: string[] = [];
  const waiting = new Map<string, () => void>();
  const run = async ({ target: t, ctx, claim }: TriggeredRun): Promise<string> => {
    events.push(`start ${ctx.runId}`);
    const record = {
      dagId: t.dag.id,
      runId: ctx.runId,
      runType: ctx.runType,
      logicalDate: ctx.logicalDate,
      file: t.file,
      startedAt: new Date().toISOString(),
      conf: ctx.conf,
      pid: process.pid,
      clockSpeed: 1,
      ctx,
    };
    await store.saveRun({ ...record, state: 'running' });
    await new Promise<void>((done) => waiting.set(ctx.runId, done));
    await store.saveRun({ ...record, state: 'success', endedAt: new Date().toISOString() });
    await claim.release();
    events.push(`end ${ctx.runId}`);
    return 'success';
  };
  const end = (runId: string) => {
    const done = waiting.get(runId);
    if (done === undefined) throw new Error(`run ${runId} is not running`);
    waiting.delete(runId);
    done();
  };
  return { events, run, end, running: () => [...waiting.keys()] };
}

const event = (runId: string, extra: Record<string, unknown> = {}) => ({
  kind: 'manual',
  dagId: 'child',
  conf: { rows: 3 },
  logicalDate: '2026-11-22T00:00:00+00:00',
  runId,
  ...extra,
});

/** Waits for a condition (the runs are asynchronous), with a generous backstop. */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

let dir: string;
let store: LocalStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airstep-local-trigger-'));
  store = new LocalStore(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Class: LocalDagTrigger', () => {
  it('starts the run with the run id, conf and logical date the step sends, as a manual run', async () => {
    const runs = heldRuns(store);
    const started: TriggeredRun[] = [];
    const trigger = new LocalDagTrigger({
      store,
      find: findIn(target('child')),
      run: (run) => {
        started.push(run);
        return runs.run(run);
      },
    });

    const answer = await trigger.answer(event('triggered__parent.start__manual__1'));

    expect(answer).toEqual({ outcome: 'started', runId: 'triggered__parent.start__manual__1' });
    expect(started[0]?.ctx).toMatchObject({
      dagId: 'child',
      runId: 'triggered__parent.start__manual__1',
      runType: 'manual',
      logicalDate: '2026-11-22T00:00:00+00:00',
      ds: '2026-11-22',
      conf: { rows: 3 },
      params: { rows: 3 },
    });
    await until(() => runs.running().length === 1, 'the run to start');
    runs.end('triggered__parent.start__manual__1');
    expect(await trigger.drain()).toEqual([]);
    expect(runs.events).toEqual(['start triggered__parent.start__manual__1', 'end triggered__parent.start__manual__1']);
  });

  it('answers a second invocation with the same run id (a retried or cleared step) duplicate, and starts nothing', async () => {
    const runs = heldRuns(store);
    const trigger = new LocalDagTrigger({ store, find: findIn(target('child')), run: runs.run });
    await trigger.answer(event('triggered__parent.start__r1'));
    await until(() => runs.running().length === 1, 'the run to start');

    const whileRunning = await trigger.answer(event('triggered__parent.start__r1'));
    runs.end('triggered__parent.start__r1');
    await trigger.drain();
    const afterEnd = await trigger.answer(event('triggered__parent.start__r1'));

    expect(whileRunning).toEqual({ outcome: 'duplicate', runId: 'triggered__parent.start__r1', state: 'running' });
    expect(afterEnd).toEqual({ outcome: 'duplicate', runId: 'triggered__parent.start__r1', state: 'success' });
    expect(runs.events.filter((line) => line.startsWith('start'))).toHaveLength(1);
  });

  it('refuses conf that fails the target params, an unknown DAG and an unreadable event, creating no run', async () => {
    const runs = heldRuns(store);
    const trigger = new LocalDagTrigger({ store, find: findIn(target('child')), run: runs.run });

    expect(await trigger.answer(event('r', { conf: { rows: 'many' } }))).toEqual({
      outcome: 'refused',
      code: 'INVALID_CONF',
      problems: ['dag child › params.rows: Invalid input: expected number, received string'],
    });
    expect(await trigger.answer(event('r', { dagId: 'nowhere' }))).toEqual({
      outcome: 'refused',
      code: 'UNKNOWN_DAG',
      problems: ["no DAG 'nowhere' here"],
    });
    expect(await trigger.answer(event('r', { logicalDate: 'yesterday', conf: [] }))).toEqual({
      outcome: 'refused',
      code: 'UNREADABLE_EVENT',
      problems: ['conf must be a JSON object', 'logicalDate "yesterday" is not an ISO date'],
    });
    expect(runs.events).toEqual([]);
    expect(await store.runs()).toEqual([]);
  });

  it('queues a run while the target has maxActiveRuns runs running, and starts it once one ends', async () => {
    const runs = heldRuns(store);
    const trigger = new LocalDagTrigger({ store, find: findIn(target('child', 1)), run: runs.run });
    await trigger.answer(event('first'));
    await until(() => runs.running().length === 1, 'the first run to start');

    const second = await trigger.answer(event('second'));

    expect(second).toEqual({ outcome: 'queued', runId: 'second', activeRuns: 1 });
    expect((await store.runs('child')).find((run) => run.runId === 'second')?.state).toBe('queued');
    runs.end('first');
    await until(() => runs.running().includes('second'), 'the queued run to start');
    runs.end('second');
    await trigger.drain();
    expect(runs.events).toEqual(['start first', 'end first', 'start second', 'end second']);
  });

  it('creates the run of a paused DAG queued and starts it once the DAG is unpaused (Airflow 3)', async () => {
    const runs = heldRuns(store);
    await store.saveDagState({ dagId: 'child', pausedAt: '2026-11-22T00:00:00.000Z' });
    const trigger = new LocalDagTrigger({ store, find: findIn(target('child')), run: runs.run });

    const answer = await trigger.answer(event('paused_run'));

    expect(answer).toEqual({ outcome: 'queued', runId: 'paused_run', activeRuns: 0, paused: true });
    expect((await store.runs('child'))[0]?.state).toBe('queued');
    await new Promise((done) => setTimeout(done, 1_200)); // two queue passes: still paused, still queued
    expect(runs.events).toEqual([]);
    await store.saveDagState({ dagId: 'child' });
    await until(() => runs.running().includes('paused_run'), 'the run to start after the unpause');
    runs.end('paused_run');
    expect(await trigger.drain()).toEqual([]);
    expect((await store.runs('child'))[0]?.state).toBe('success');
  });

  it('starts no queued run once the process is stopping, and leaves it queued when drained', async () => {
    const runs = heldRuns(store);
    const stop = new AbortController();
    const trigger = new LocalDagTrigger({
      store,
      find: findIn(target('child', 1)),
      run: runs.run,
      signal: stop.signal,
    });
    await trigger.answer(event('first'));
    await trigger.answer(event('second'));
    await until(() => runs.running().length === 1, 'the first run to start');

    stop.abort();
    runs.end('first');
    const left = await trigger.drain();

    expect(left.map((run) => [run.runId, run.state])).toEqual([['second', 'queued']]);
    expect(runs.events).toEqual(['start first', 'end first']);
  });

  it('leaves a run of a still-paused DAG queued when drained, and says which', async () => {
    const runs = heldRuns(store);
    await store.saveDagState({ dagId: 'child', pausedAt: '2026-11-22T00:00:00.000Z' });
    const trigger = new LocalDagTrigger({ store, find: findIn(target('child')), run: runs.run });
    await trigger.answer(event('left'));

    const left = await trigger.drain();

    expect(left.map((run) => [run.runId, run.state])).toEqual([['left', 'queued']]);
    expect(runs.events).toEqual([]);
  });
});

describe('Function: adoptQueuedRuns', () => {
  /** Runs of `child` left queued behind its pause by a process that has ended (its trigger drained). */
  async function leftQueued(...runIds: string[]): Promise<void> {
    await store.saveDagState({ dagId: 'child', pausedAt: '2026-11-22T00:00:00.000Z' });
    const ended = new LocalDagTrigger({ store, find: findIn(target('child', 1)), run: heldRuns(store).run });
    for (const runId of runIds) {
      await ended.answer(event(runId));
      // Each run queued at a later instant than the one before (the order adoption keeps).
      const queuedAt = Date.now();
      await until(() => Date.now() > queuedAt, 'the clock to move on');
    }
    expect((await ended.drain()).map((run) => run.state)).toEqual(runIds.map(() => 'queued'));
    await store.saveDagState({ dagId: 'child' });
  }

  it('starts runs a finished process left queued, oldest first, one at a time under maxActiveRuns 1', async () => {
    await leftQueued('z_older', 'a_newer');
    const runs = heldRuns(store);
    const trigger = new LocalDagTrigger({ store, find: findIn(target('child', 1)), run: runs.run });

    const adopted = await adoptQueuedRuns({ store, trigger, find: findIn(target('child', 1)), dagId: 'child' });

    expect(adopted).toEqual({ adopted: ['z_older', 'a_newer'], taken: [], problems: [] });
    await until(() => runs.running().includes('z_older'), 'the older run to start');
    expect(runs.running()).toEqual(['z_older']);
    runs.end('z_older');
    await until(() => runs.running().includes('a_newer'), 'the newer run to start after the older ended');
    runs.end('a_newer');
    expect(await trigger.drain()).toEqual([]);
    expect(runs.events).toEqual(['start z_older', 'end z_older', 'start a_newer', 'end a_newer']);
    expect((await store.runs('child')).map((run) => run.state)).toEqual(['success', 'success']);
  });

  it('never starts a queued run another live process holds, and none twice', async () => {
    await leftQueued('only');
    // Another process (this one's parent stands in for it) holds the run id's lock: it starts the run itself.
    const lock = join(store.runDir('child', 'only'), 'run.lock');
    await writeFile(lock, `${process.ppid}\n`);
    const runs = heldRuns(store);
    const trigger = new LocalDagTrigger({ store, find: findIn(target('child')), run: runs.run });

    expect(await adoptQueuedRuns({ store, trigger, find: findIn(target('child')), dagId: 'child' })).toEqual({
      adopted: [],
      taken: ['only'],
      problems: [],
    });
    expect(await trigger.drain()).toEqual([]);
    expect(runs.events).toEqual([]);

    // That process ended without starting it: the run is this one's to start, once.
    await rm(lock);
    const next = new LocalDagTrigger({ store, find: findIn(target('child')), run: runs.run });
    expect(
      (await adoptQueuedRuns({ store, trigger: next, find: findIn(target('child')), dagId: 'child' })).adopted,
    ).toEqual(['only']);
    await until(() => runs.running().includes('only'), 'the adopted run to start');
    runs.end('only');
    expect(await next.drain()).toEqual([]);
    const again = new LocalDagTrigger({ store, find: findIn(target('child')), run: runs.run });
    expect(await adoptQueuedRuns({ store, trigger: again, find: findIn(target('child')), dagId: 'child' })).toEqual({
      adopted: [],
      taken: [],
      problems: [],
    });
    expect(runs.events).toEqual(['start only', 'end only']);
  });

  it('counts runs running in other processes toward maxActiveRuns before starting an adopted run', async () => {
    await leftQueued('waiting');
    // A run of child recorded running by a live process (this one's parent stands in for it).
    await store.saveRun({
      dagId: 'child',
      runId: 'elsewhere',
      runType: 'manual',
      logicalDate: '2026-11-21T00:00:00+00:00',
      file: 'dags/child.ts',
      state: 'running',
      startedAt: new Date().toISOString(),
      conf: {},
      pid: process.ppid,
      clockSpeed: 1,
    });
    const runs = heldRuns(store);
    const trigger = new LocalDagTrigger({ store, find: findIn(target('child', 1)), run: runs.run });

    await adoptQueuedRuns({ store, trigger, find: findIn(target('child', 1)), dagId: 'child' });
    await new Promise((done) => setTimeout(done, 1_200)); // two queue passes: the place is still taken
    expect(runs.events).toEqual([]);
    const other = (await store.runs('child')).find((run) => run.runId === 'elsewhere')!;
    await store.saveRun({ ...other, state: 'success', endedAt: new Date().toISOString() });
    await until(() => runs.running().includes('waiting'), 'the adopted run to start once the place is free');
    runs.end('waiting');
    expect(await trigger.drain()).toEqual([]);
  });

  it('says why a DAG whose file no longer gives it cannot start its queued runs, and starts none', async () => {
    await leftQueued('stuck');
    const trigger = new LocalDagTrigger({ store, find: findIn(), run: heldRuns(store).run });

    expect(await adoptQueuedRuns({ store, trigger, find: findIn(), dagId: 'child' })).toEqual({
      adopted: [],
      taken: [],
      problems: ["no DAG 'child' here"],
    });
    expect((await store.runs('child'))[0]?.state).toBe('queued');
  });
});
