import { describe, expect, it } from 'vitest';
import { Clock } from '../../lib/local/clock.ts';
import { runDagLocally, type TaskInstance } from '../../lib/local/run-dag.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { NonRetryableError } from '../../lib/sdk/errors.ts';
import type { TriggerRule } from '../../lib/sdk/trigger-rule.ts';
import { manualContext } from '../helpers/run-context.ts';

/** Airflow semantics, one at a time, through the compiled ASL in the local engine. */
const fast = () => new Clock({ speed: 1000 });
const run = async (d: ReturnType<typeof dag>) => runDagLocally({ dag: d, ctx: manualContext(d), clock: fast() });
const byId = (tasks: TaskInstance[]) =>
  Object.fromEntries(tasks.filter((t) => t.mapIndex < 0).map((t) => [t.taskId, t]));
const stateOf = (tasks: TaskInstance[]) =>
  Object.fromEntries(tasks.filter((t) => t.mapIndex < 0).map((t) => [t.taskId, t.state]));

type Outcome = 'success' | 'failed' | 'skipped' | 'upstream_failed';

/** Upstream tasks that end in the given states: failed by throwing, skipped by a branch, upstream_failed below a failure. */
function dagWithUpstreams(rule: TriggerRule, outcomes: Outcome[]) {
  const d = dag({ id: `rule_${rule}` });
  const boom = d.task('boom', async () => {
    throw new NonRetryableError('on purpose');
  });
  const chooser = d.branch('chooser', async () => []);
  const ups = outcomes.map((outcome, i) => {
    const id = `u${i}_${outcome}`;
    if (outcome === 'success') return d.task(id, async () => i);
    if (outcome === 'failed') return d.task(id, async () => Promise.reject(new NonRetryableError('failed on purpose')));
    if (outcome === 'skipped') return d.task(id, { upstream: chooser }, async () => i);
    return d.task(id, { upstream: boom }, async () => i);
  });
  d.task('target', { triggerRule: rule, upstream: ups }, async () => 'ran');
  return d;
}

/** Airflow's documented outcomes: what `target` ends as for each rule and upstream mix. */
const TABLE: Array<[TriggerRule, Outcome[], Outcome]> = [
  ['all_success', ['success', 'success'], 'success'],
  ['all_success', ['success', 'failed'], 'upstream_failed'],
  ['all_success', ['success', 'skipped'], 'skipped'],
  ['all_success', ['upstream_failed', 'skipped'], 'upstream_failed'],
  ['all_failed', ['failed', 'upstream_failed'], 'success'],
  ['all_failed', ['failed', 'success'], 'skipped'],
  ['all_done', ['failed', 'skipped', 'success'], 'success'],
  ['all_skipped', ['skipped', 'skipped'], 'success'],
  ['all_skipped', ['skipped', 'success'], 'skipped'],
  ['one_success', ['failed', 'success'], 'success'],
  ['one_success', ['failed', 'skipped'], 'upstream_failed'],
  ['one_success', ['skipped', 'skipped'], 'skipped'],
  ['one_failed', ['success', 'failed'], 'success'],
  ['one_failed', ['success', 'skipped'], 'skipped'],
  ['one_done', ['skipped', 'failed'], 'success'],
  ['one_done', ['skipped', 'upstream_failed'], 'skipped'],
  ['none_failed', ['success', 'skipped'], 'success'],
  ['none_failed', ['success', 'upstream_failed'], 'upstream_failed'],
  ['none_failed_min_one_success', ['skipped', 'success'], 'success'],
  ['none_failed_min_one_success', ['skipped', 'skipped'], 'skipped'],
  ['none_failed_min_one_success', ['failed', 'success'], 'upstream_failed'],
  ['none_skipped', ['success', 'failed'], 'success'],
  ['none_skipped', ['success', 'skipped'], 'skipped'],
  ['always', ['upstream_failed', 'skipped'], 'success'],
];

describe('Local engine: trigger rules', () => {
  it.each(TABLE)('%s with upstream %j ends %s', async (rule, outcomes, expected) => {
    const { tasks } = await run(dagWithUpstreams(rule, outcomes));
    const states = stateOf(tasks);
    for (const [i, outcome] of outcomes.entries()) expect(states[`u${i}_${outcome}`]).toBe(outcome);
    expect(states.target).toBe(expected);
  });
});

describe('Local engine: retries, errors and timeouts', () => {
  it('retries a task that fails twice, then succeeds on the third try', async () => {
    const d = dag({ id: 'flaky' });
    let calls = 0;
    d.task('flaky', { retries: 3, retryDelay: '2s' }, async (ctx) => {
      calls++;
      if (ctx.tryNumber < 3) throw new Error(`try ${ctx.tryNumber} failed`);
      return ctx.tryNumber;
    });
    const { execution, tasks } = await run(d);
    expect(execution.status).toBe('SUCCEEDED');
    expect(byId(tasks).flaky).toMatchObject({ state: 'success', tries: 3, output: 3 });
    expect(calls).toBe(3);
  });

  it('fails a NonRetryableError at once, whatever retries says, and fails the run', async () => {
    const d = dag({ id: 'bad_input' });
    d.task('parse', { retries: 5, retryDelay: '1s' }, async () => {
      throw new NonRetryableError('input is not CSV');
    });
    const { execution, tasks } = await run(d);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'DagRunFailed' });
    expect(byId(tasks).parse).toMatchObject({ state: 'failed', tries: 1, error: 'NonRetryableError' });
  });

  it('fails a try that runs past executionTimeout with States.Timeout, and retries it', async () => {
    const d = dag({ id: 'slow' });
    d.task('slow', { executionTimeout: '1s', retries: 1, retryDelay: '1s' }, async (ctx) => {
      if (ctx.tryNumber === 1) await new Promise((resolve) => setTimeout(resolve, 200));
      return 'second try';
    });
    const clock = new Clock({ speed: 10 });
    const { tasks } = await runDagLocally({ dag: d, ctx: manualContext(d), clock });
    expect(byId(tasks).slow).toMatchObject({ state: 'success', tries: 2, output: 'second try' });
  });

  it('keeps independent branches running after a failure and ends the run failed', async () => {
    const d = dag({ id: 'independent' });
    const broken = d.task('broken', async () => Promise.reject(new NonRetryableError('no')));
    d.task('after_broken', { upstream: broken }, async () => 'never');
    const slow = d.task('slow_sibling', async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return 'finished';
    });
    d.task('after_slow', { upstream: slow }, async () => 'also finished');
    const { execution, tasks } = await run(d);
    expect(execution.status).toBe('FAILED');
    expect(stateOf(tasks)).toEqual({
      broken: 'failed',
      after_broken: 'upstream_failed',
      slow_sibling: 'success',
      after_slow: 'success',
    });
  });
});

describe('Local engine: short-circuit, mapping and sensors', () => {
  it('skips every downstream task after a false short-circuit, whatever their trigger rules', async () => {
    const d = dag({ id: 'sc' });
    const gate = d.shortCircuit('gate', async () => false);
    const next = d.task('next', { upstream: gate }, async () => 1);
    d.task('cleanup', { upstream: next, triggerRule: 'all_done' }, async () => 2);
    const { execution, tasks } = await run(d);
    expect(execution.status).toBe('SUCCEEDED');
    expect(stateOf(tasks)).toEqual({ gate: 'success', next: 'skipped', cleanup: 'skipped' });
  });

  it('with ignoreDownstreamTriggerRules false, skips only direct downstream tasks', async () => {
    const d = dag({ id: 'sc_soft' });
    const gate = d.shortCircuit('gate', { ignoreDownstreamTriggerRules: false }, async () => false);
    const next = d.task('next', { upstream: gate }, async () => 1);
    d.task('cleanup', { upstream: next, triggerRule: 'all_done' }, async () => 2);
    const { tasks } = await run(d);
    expect(stateOf(tasks)).toEqual({ gate: 'success', next: 'skipped', cleanup: 'success' });
  });

  it('fails a mapped task when an item fails (after its retries) while the other items finish', async () => {
    const d = dag({ id: 'map_fail' });
    const mapped = d.expand('each', { over: [1, 2, 3] }, async (_ctx, item: number) => {
      if (item === 2) throw new NonRetryableError('item 2 is bad');
      return item * 10;
    });
    d.task('after', { inputs: { mapped } }, async () => 'never');
    const { tasks } = await run(d);
    const items = tasks.filter((task) => task.taskId === 'each' && task.mapIndex >= 0);
    expect(items.map((item) => item.state)).toEqual(['success', 'failed', 'success']);
    expect(stateOf(tasks)).toEqual({ each: 'failed', after: 'upstream_failed' });
  });

  it('skips a mapped task over an empty list', async () => {
    const d = dag({ id: 'map_empty' });
    const none = d.task('none', async () => [] as number[]);
    d.expand('each', { over: none }, async (_ctx, item: number) => item);
    const { tasks } = await run(d);
    expect(stateOf(tasks)).toEqual({ none: 'success', each: 'skipped' });
  });

  it('pokes a sensor until it reports done, waiting between pokes with no worker held', async () => {
    const d = dag({ id: 'poll' });
    let pokes = 0;
    const ready = d.sensor('ready', { pokeInterval: '30s', timeout: '10 minutes' }, async () => {
      pokes++;
      return pokes >= 3 ? { done: true, value: 'file.csv' } : false;
    });
    d.task('use', { inputs: { ready } }, async (_ctx, { ready }) => `using ${ready}`);
    const { tasks } = await run(d);
    expect(pokes).toBe(3);
    expect(byId(tasks).use).toMatchObject({ state: 'success', output: 'using file.csv' });
  });

  it('times a sensor out as failed, or as skipped with softFail', async () => {
    for (const softFail of [false, true]) {
      const d = dag({ id: 'never' });
      d.sensor('never_ready', { pokeInterval: '10s', timeout: '35s', softFail }, async () => false);
      const { tasks } = await run(d);
      expect(byId(tasks).never_ready!.state).toBe(softFail ? 'skipped' : 'failed');
    }
  });
});
