import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clock } from '../../lib/local/clock.ts';
import { LocalStore } from '../../lib/local/local-store.ts';
import { type RecordedRun, runAndRecord } from '../../lib/local/record-run.ts';
import { runDagLocally, type TaskInstance } from '../../lib/local/run-dag.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { NonRetryableError, SkipError } from '../../lib/sdk/errors.ts';
import type { TriggerRule } from '../../lib/sdk/trigger-rule.ts';
import skipping from '../fixtures/local/skipping.ts';
import { manualContext } from '../helpers/run-context.ts';

/** SkipError (Airflow's AirflowSkipException) through the compiled ASL in the local engine. */
const fast = () => new Clock({ speed: 1000 });
const run = async (d: ReturnType<typeof dag>) => runDagLocally({ dag: d, ctx: manualContext(d), clock: fast() });
const own = (tasks: readonly TaskInstance[]) => tasks.filter((task) => task.mapIndex < 0);
const stateOf = (tasks: readonly TaskInstance[]) => Object.fromEntries(own(tasks).map((t) => [t.taskId, t.state]));

type Outcome = 'success' | 'failed' | 'skipped' | 'upstream_failed';

/** Upstream tasks ending as given: a skipped one by throwing SkipError (with retries left), a failed one at once. */
function dagWithUpstreams(rule: TriggerRule, outcomes: Outcome[]) {
  const d = dag({ id: `skip_${rule}` });
  const ups = outcomes.map((outcome, i) => {
    const id = `u${i}_${outcome}`;
    if (outcome === 'success') return d.task(id, async () => i);
    if (outcome === 'failed') return d.task(id, async () => Promise.reject(new NonRetryableError('on purpose')));
    return d.task(id, { retries: 2, retryDelay: 1 }, async () => Promise.reject(new SkipError('nothing to do')));
  });
  d.task('target', { triggerRule: rule, upstream: ups }, async () => 'ran');
  return d;
}

/** Airflow's outcomes for a skipped upstream, rule by rule (one upstream: the compiler routes without a Choice). */
const TABLE: Array<[TriggerRule, Outcome[], Outcome]> = [
  ['all_success', ['skipped'], 'skipped'],
  ['all_success', ['success', 'skipped'], 'skipped'],
  ['all_failed', ['skipped'], 'skipped'],
  ['all_done', ['skipped'], 'success'],
  ['all_done', ['failed', 'skipped'], 'success'],
  ['all_skipped', ['skipped'], 'success'],
  ['all_skipped', ['skipped', 'success'], 'skipped'],
  ['one_success', ['skipped'], 'skipped'],
  ['one_success', ['skipped', 'success'], 'success'],
  ['one_failed', ['skipped'], 'skipped'],
  ['one_done', ['skipped'], 'skipped'],
  ['one_done', ['skipped', 'success'], 'success'],
  ['none_failed', ['skipped'], 'success'],
  ['none_failed', ['skipped', 'failed'], 'upstream_failed'],
  ['none_failed_min_one_success', ['skipped'], 'skipped'],
  ['none_failed_min_one_success', ['skipped', 'success'], 'success'],
  ['none_skipped', ['skipped'], 'skipped'],
  ['none_skipped', ['success', 'skipped'], 'skipped'],
  ['always', ['skipped'], 'success'],
];

describe('Local engine: SkipError', () => {
  it.each(TABLE)('%s with upstream %j (skipped by SkipError) ends %s', async (rule, outcomes, expected) => {
    const { tasks } = await run(dagWithUpstreams(rule, outcomes));
    const states = stateOf(tasks);
    for (const [i, outcome] of outcomes.entries()) expect(states[`u${i}_${outcome}`]).toBe(outcome);
    expect(states.target).toBe(expected);
  });

  it('ends the try as skipped with its reason, once, whatever retries says; the run succeeds', async () => {
    const d = dag({ id: 'skip_once' });
    let calls = 0;
    const check = d.task('check', { retries: 3, retryDelay: '1s' }, async (ctx) => {
      calls++;
      throw new SkipError(`no new files for ${ctx.ds}`);
    });
    d.task('load', { upstream: check }, async () => 'loaded');
    const { execution, tasks, tries } = await run(d);
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls).toBe(1);
    expect(tries.map((attempt) => [attempt.taskId, attempt.tryNumber])).toEqual([['check', 1]]);
    const [checked, loaded] = own(tasks);
    expect(checked).toMatchObject({
      taskId: 'check',
      state: 'skipped',
      tries: 1,
      reason: 'no new files for 2026-11-22',
    });
    expect(checked!.error).toBeUndefined();
    expect(loaded).toMatchObject({ taskId: 'load', state: 'skipped', tries: 0 });
  });

  it('skips a branch that throws SkipError, and the tasks it would have chosen among', async () => {
    const d = dag({ id: 'skip_branch' });
    const choose = d.branch('choose', async () => {
      throw new SkipError('no data today');
    });
    const a = d.task('a', { upstream: choose }, async () => 'a');
    d.task('join', { upstream: a, triggerRule: 'none_failed' }, async () => 'joined');
    const { execution, tasks } = await run(d);
    expect(execution.status).toBe('SUCCEEDED');
    expect(stateOf(tasks)).toEqual({ choose: 'skipped', a: 'skipped', join: 'success' });
  });

  it('skips a sensor whose poke throws SkipError', async () => {
    const d = dag({ id: 'skip_sensor' });
    const ready = d.sensor('ready', { pokeInterval: '30s', timeout: '10 minutes', retries: 2 }, async () => {
      throw new SkipError('source retired');
    });
    d.task('after', { upstream: ready }, async () => 'never');
    const { tasks } = await run(d);
    expect(own(tasks).map((task) => [task.taskId, task.state, task.reason])).toEqual([
      ['after', 'skipped', undefined],
      ['ready', 'skipped', 'source retired'],
    ]);
  });
});

describe('Local engine: SkipError in a mapped item', () => {
  const mappedDag = (skip: (item: number) => boolean, fail: (item: number) => boolean = () => false) => {
    const d = dag({ id: 'skip_items' });
    const each = d.expand('each', { over: [1, 2, 3], retries: 2, retryDelay: 1 }, async (_ctx, item: number) => {
      if (fail(item)) throw new NonRetryableError(`item ${item} is bad`);
      if (skip(item)) throw new SkipError(`item ${item} is empty`);
      return item * 10;
    });
    d.task('after_each', { upstream: each }, async () => 'never');
    d.task('collect', { inputs: { each }, triggerRule: 'none_failed' }, async (_ctx, { each }) => each);
    d.task('done', { upstream: each, triggerRule: 'all_done' }, async () => 'done');
    return d;
  };

  it('skips that item only (no retry); the mapped task is skipped, all_success below skips, none_failed runs', async () => {
    const { execution, tasks, tries } = await run(mappedDag((item) => item === 2));
    expect(execution.status).toBe('SUCCEEDED');
    const items = tasks.filter((task) => task.taskId === 'each' && task.mapIndex >= 0);
    expect(items.map((item) => [item.mapIndex, item.state, item.tries, item.reason])).toEqual([
      [0, 'success', 1, undefined],
      [1, 'skipped', 1, 'item 2 is empty'],
      [2, 'success', 1, undefined],
    ]);
    expect(tries.filter((attempt) => attempt.taskId === 'each')).toHaveLength(3);
    expect(stateOf(tasks)).toEqual({ each: 'skipped', after_each: 'skipped', collect: 'success', done: 'success' });
    expect(own(tasks).find((task) => task.taskId === 'collect')!.output).toEqual([10, null, 30]);
  });

  /**
   * Airflow counts each item of a mapped upstream task as an upstream task instance: with items that succeeded and
   * one that skipped, all_success skips but one_success runs. `alone`: the mapped task is the only upstream (the
   * compiler routes by its outcome); `beside`: with a second upstream that skipped itself, a Choice over both
   * records (there the items that succeeded decide one_success, one_done and none_failed_min_one_success).
   */
  const MIXED: Array<[TriggerRule, Outcome]> = [
    ['all_success', 'skipped'],
    ['all_skipped', 'skipped'],
    ['one_success', 'success'],
    ['one_done', 'success'],
    ['none_failed', 'success'],
    ['none_failed_min_one_success', 'success'],
    ['none_skipped', 'skipped'],
    ['all_failed', 'skipped'],
  ];
  it.each(MIXED)(
    '%s below items that succeeded and skipped ends %s, alone or beside a skipped task',
    async (rule, expected) => {
      const d = dag({ id: `mixed_${rule}` });
      const each = d.expand('each', { over: [1, 2, 3] }, async (_ctx, item: number) => {
        if (item === 2) throw new SkipError('item 2 is empty');
        return item;
      });
      const other = d.task('other', async () => Promise.reject(new SkipError('nothing')));
      d.task('alone', { upstream: each, triggerRule: rule }, async () => 'ran');
      d.task('beside', { upstream: [each, other], triggerRule: rule }, async () => 'ran');
      const states = stateOf((await run(d)).tasks);
      expect([states.each, states.other, states.alone, states.beside]).toEqual([
        'skipped',
        'skipped',
        expected,
        expected,
      ]);
    },
  );

  it('with every item skipped, all_skipped runs and one_success skips', async () => {
    const d = dag({ id: 'all_items_skipped' });
    const each = d.expand('each', { over: [1, 2] }, async () => {
      throw new SkipError('empty');
    });
    d.task('all_skipped', { upstream: each, triggerRule: 'all_skipped' }, async () => 'ran');
    d.task('one_success', { upstream: each, triggerRule: 'one_success' }, async () => 'ran');
    const states = stateOf((await run(d)).tasks);
    expect(states).toEqual({ each: 'skipped', all_skipped: 'success', one_success: 'skipped' });
  });

  it('is failed, not skipped, when another item failed', async () => {
    const { execution, tasks } = await run(
      mappedDag(
        (item) => item === 2,
        (item) => item === 3,
      ),
    );
    expect(execution.status).toBe('FAILED');
    const items = tasks.filter((task) => task.taskId === 'each' && task.mapIndex >= 0);
    expect(items.map((item) => item.state)).toEqual(['success', 'skipped', 'failed']);
    expect(stateOf(tasks)).toEqual({
      each: 'failed',
      after_each: 'upstream_failed',
      collect: 'upstream_failed',
      done: 'success',
    });
  });

  it('is skipped when every item skipped', async () => {
    const { tasks } = await run(mappedDag(() => true));
    expect(stateOf(tasks)).toEqual({ each: 'skipped', after_each: 'skipped', collect: 'success', done: 'success' });
  });
});

describe('Local engine: SkipError in worker processes, kept in the local store', () => {
  let root: string;
  let recorded: RecordedRun;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'airstep-skip-'));
    recorded = await runAndRecord({
      dag: skipping,
      file: 'test/fixtures/local/skipping.ts',
      ctx: manualContext(skipping),
      store: new LocalStore(root),
      maxActiveTasks: 4,
      speed: 1000,
    });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('records the skipped task with its reason and one try, and its downstream by trigger rule', async () => {
    expect(recorded.run.state).toBe('success');
    const saved = await new LocalStore(root).tasks('skipping', recorded.run.runId);
    expect(saved.map((task) => [task.taskId, task.mapIndex, task.state, task.tries, task.reason])).toEqual([
      ['after_each', -1, 'skipped', 0, undefined],
      ['check', -1, 'skipped', 1, 'no new files for 2026-11-22'],
      ['cleanup', -1, 'success', 1, undefined],
      ['collect', -1, 'success', 1, undefined],
      ['each', -1, 'skipped', 0, undefined],
      ['each', 0, 'success', 1, undefined],
      ['each', 1, 'skipped', 1, 'item 2 is empty'],
      ['each', 2, 'success', 1, undefined],
      ['list', -1, 'success', 1, undefined],
      ['load', -1, 'skipped', 0, undefined],
      ['report', -1, 'success', 1, undefined],
    ]);
    expect(saved.find((task) => task.taskId === 'collect')!.output).toEqual([10, null, 30]);
  });
});
