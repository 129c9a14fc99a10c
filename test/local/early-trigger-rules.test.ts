import { describe, expect, it } from 'vitest';
import { Clock } from '../../lib/local/clock.ts';
import { runDagLocally, type TaskInstance } from '../../lib/local/run-dag.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { NonRetryableError } from '../../lib/sdk/errors.ts';
import type { TriggerRule } from '../../lib/sdk/trigger-rule.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * `one_success`, `one_failed` and `one_done` start as soon as Airflow would: when one upstream task ends in a state
 * that decides them, while another is still running. The slow upstream task waits until the join has started (a
 * promise the join's own function resolves), so the test needs no timing: had the join waited for it, the slow task
 * would give up waiting after a minute and the order of events would show it ending first.
 */
const GIVE_UP_MS = 60_000;

interface Harness {
  readonly events: string[];
  readonly joinStarted: Promise<void>;
  startJoin(): void;
}

function harness(): Harness {
  const events: string[] = [];
  let startJoin!: () => void;
  const joinStarted = new Promise<void>((resolve) => {
    startJoin = resolve;
  });
  return { events, joinStarted, startJoin };
}

/** Waits for the join to start, or gives up (then the order of events shows that the join did not start early). */
async function untilJoinStarted(h: Harness): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    h.joinStarted,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, GIVE_UP_MS);
    }),
  ]);
  clearTimeout(timer);
}

/**
 * `fast` ends as `fastEnds`; `slow` waits for the join, then ends as `slowEnds`; `join` has `rule`; `after_slow`
 * (all_success) and `after_join` (all_success) follow them.
 */
function joinDag(rule: TriggerRule, fastEnds: 'success' | 'failed', slowEnds: 'success' | 'failed', h: Harness) {
  const d = dag({ id: `early_${rule}` });
  const end = (id: string, ends: 'success' | 'failed') => {
    h.events.push(`${id}:end`);
    if (ends === 'failed') throw new NonRetryableError(`${id} failed on purpose`);
    return id;
  };
  const fast = d.task('fast', async () => end('fast', fastEnds));
  const slow = d.task('slow', async () => {
    await untilJoinStarted(h);
    return end('slow', slowEnds);
  });
  const join = d.task('join', { upstream: [fast, slow], triggerRule: rule }, async () => {
    h.events.push('join:start');
    h.startJoin();
    return 'joined';
  });
  d.task('after_slow', { upstream: slow }, async () => 'after slow');
  d.task('after_join', { upstream: join }, async () => 'after join');
  return d;
}

const stateOf = (tasks: TaskInstance[]) =>
  Object.fromEntries(tasks.filter((t) => t.mapIndex < 0).map((t) => [t.taskId, t.state]));

async function run(d: ReturnType<typeof dag>) {
  const changes: string[] = [];
  const result = await runDagLocally({
    dag: d,
    ctx: manualContext(d),
    clock: new Clock({ speed: 1000 }),
    onTaskChange: (task) => {
      if (task.mapIndex < 0) changes.push(`${task.taskId}:${task.state}`);
    },
  });
  return { ...result, changes };
}

describe('Local engine: trigger rules Airflow decides before every upstream task has ended', () => {
  it.each([
    ['one_success', 'success'],
    ['one_failed', 'failed'],
    ['one_done', 'success'],
    ['one_done', 'failed'],
  ] as const)(
    'starts a %s join when the fast upstream ends %s, while the slow one still runs',
    async (rule, fastEnds) => {
      const h = harness();
      const { execution, tasks, changes } = await run(joinDag(rule, fastEnds, 'success', h));
      // The join's function ran before the slow task's ended, and the engine saw it start before the slow task ended.
      expect(h.events).toEqual(['fast:end', 'join:start', 'slow:end']);
      expect(changes.indexOf('join:running')).toBeGreaterThan(changes.indexOf(`fast:${fastEnds}`));
      expect(changes.indexOf('join:running')).toBeLessThan(changes.indexOf('slow:success'));
      // The slow task's own downstream keeps its rule: it runs after the slow task, whatever the join did.
      expect(changes.indexOf('after_slow:running')).toBeGreaterThan(changes.indexOf('slow:success'));
      expect(stateOf(tasks)).toEqual({
        fast: fastEnds,
        slow: 'success',
        join: 'success',
        after_slow: 'success',
        after_join: 'success',
      });
      // The run still waits for every branch and ends by its leaves (after_join and after_slow succeeded).
      expect(execution.status).toBe('SUCCEEDED');
      expect(changes.at(-1)).not.toBe('join:success');
    },
  );

  it('starts an always join with the run, before either upstream task has ended (Airflow: no dependency at all)', async () => {
    const h = harness();
    const { execution, tasks, changes } = await run(joinDag('always', 'failed', 'failed', h));
    expect(h.events.indexOf('join:start')).toBeLessThan(h.events.indexOf('slow:end'));
    expect(changes.indexOf('join:running')).toBeLessThan(changes.indexOf('slow:failed'));
    expect(stateOf(tasks)).toEqual({
      fast: 'failed',
      slow: 'failed',
      join: 'success',
      after_slow: 'upstream_failed',
      after_join: 'success',
    });
    // after_slow (a leaf) is upstream_failed: the run fails by its leaves, as before.
    expect(execution.status).toBe('FAILED');
  });

  it('keeps a one_success join waiting when the first upstream to end failed, and starts it when the other succeeds', async () => {
    const h = harness();
    h.startJoin(); // the slow task does not wait here: the join cannot start before it ends
    const { execution, tasks, changes } = await run(joinDag('one_success', 'failed', 'success', h));
    expect(changes.indexOf('join:running')).toBeGreaterThan(changes.indexOf('slow:success'));
    expect(stateOf(tasks)).toMatchObject({ fast: 'failed', slow: 'success', join: 'success' });
    expect(execution.status).toBe('SUCCEEDED');
  });

  it.each([
    ['one_success', 'failed', 'failed', 'upstream_failed', 'FAILED'],
    ['one_failed', 'success', 'success', 'skipped', 'SUCCEEDED'],
  ] as const)(
    'decides a %s join on every upstream task when none meets it (fast %s, slow %s): %s, run %s',
    async (rule, fastEnds, slowEnds, joinEnds, status) => {
      const h = harness();
      h.startJoin();
      const { execution, tasks, changes } = await run(joinDag(rule, fastEnds, slowEnds, h));
      expect(changes.indexOf(`join:${joinEnds}`)).toBeGreaterThan(changes.indexOf(`slow:${slowEnds}`));
      expect(changes).not.toContain('join:running');
      expect(stateOf(tasks).join).toBe(joinEnds);
      expect(stateOf(tasks).after_join).toBe(joinEnds);
      expect(execution.status).toBe(status);
    },
  );

  it.each([
    ['one_success', ['skipped', 'skipped'], 'skipped'],
    ['one_success', ['failed', 'skipped'], 'upstream_failed'],
    ['one_success', ['upstream_failed', 'upstream_failed'], 'upstream_failed'],
    ['one_failed', ['success', 'skipped'], 'skipped'],
    ['one_failed', ['skipped', 'upstream_failed'], 'success'],
    ['one_done', ['skipped', 'skipped'], 'skipped'],
    ['one_done', ['skipped', 'upstream_failed'], 'skipped'],
    ['one_done', ['upstream_failed', 'failed'], 'success'],
  ] as const)('ends a %s join over %j as %s', async (rule, outcomes, expected) => {
    const d = dag({ id: `early_${rule}_all` });
    const boom = d.task('boom', async () => Promise.reject(new NonRetryableError('on purpose')));
    const chooser = d.branch('chooser', async () => []);
    const ups = outcomes.map((outcome, i) => {
      const id = `u${i}_${outcome}`;
      if (outcome === 'success') return d.task(id, async () => i);
      if (outcome === 'failed') return d.task(id, async () => Promise.reject(new NonRetryableError('on purpose')));
      if (outcome === 'skipped') return d.task(id, { upstream: chooser }, async () => i);
      return d.task(id, { upstream: boom }, async () => i);
    });
    d.task('target', { triggerRule: rule, upstream: ups }, async () => 'ran');
    const { tasks } = await run(d);
    const states = stateOf(tasks);
    for (const [i, outcome] of outcomes.entries()) expect(states[`u${i}_${outcome}`]).toBe(outcome);
    expect(states.target).toBe(expected);
  });
});
