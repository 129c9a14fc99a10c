import { describe, expect, it } from 'vitest';
import { Clock } from '../../lib/local/clock.ts';
import { runDagLocally, type TaskInstance } from '../../lib/local/run-dag.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { NonRetryableError, SkipError } from '../../lib/sdk/errors.ts';
import { manualContext } from '../helpers/run-context.ts';

/** Setup and teardown tasks (Airflow's as_setup / as_teardown) through the compiled ASL in the local engine. */
const run = async (d: ReturnType<typeof dag>) =>
  runDagLocally({ dag: d, ctx: manualContext(d), clock: new Clock({ speed: 1000 }) });
const stateOf = (tasks: readonly TaskInstance[]) =>
  Object.fromEntries(tasks.filter((t) => t.mapIndex < 0).map((t) => [t.taskId, t.state]));

type Outcome = 'success' | 'failed' | 'skipped';
const behave = (outcome: Outcome) => async () => {
  if (outcome === 'failed') throw new NonRetryableError('on purpose');
  if (outcome === 'skipped') throw new SkipError('nothing to do');
  return outcome;
};

/** create >> work >> delete (teardown of create), each ending as given. */
function cluster(id: string, create: Outcome, work: Outcome, del: Outcome, failRun = false) {
  const d = dag({ id });
  const made = d.task('create', { setup: true }, behave(create));
  const query = d.task('query', { upstream: made }, behave(work));
  d.task('delete', { upstream: query, teardown: { setups: made, onFailureFailDagrun: failRun } }, behave(del));
  return d;
}

describe('Local engine: setup and teardown', () => {
  it('runs the teardown after failed work, and the run fails for the work, not the teardown', async () => {
    const { execution, tasks } = await run(cluster('st_work_fails', 'success', 'failed', 'success'));
    expect(stateOf(tasks)).toEqual({ create: 'success', query: 'failed', delete: 'success' });
    expect(execution.status).toBe('FAILED');
  });

  it('ignores a failed teardown for the run state', async () => {
    const { execution, tasks } = await run(cluster('st_teardown_fails', 'success', 'success', 'failed'));
    expect(stateOf(tasks)).toEqual({ create: 'success', query: 'success', delete: 'failed' });
    expect(execution.status).toBe('SUCCEEDED');
  });

  it('fails the run on a failed teardown with onFailureFailDagrun', async () => {
    const { execution, tasks } = await run(cluster('st_fail_dagrun', 'success', 'success', 'failed', true));
    expect(stateOf(tasks).delete).toBe('failed');
    expect(execution.status).toBe('FAILED');
  });

  it('marks the teardown upstream_failed when its setup failed (the work too), and the run fails', async () => {
    const { execution, tasks } = await run(cluster('st_setup_fails', 'failed', 'success', 'success'));
    expect(stateOf(tasks)).toEqual({ create: 'failed', query: 'upstream_failed', delete: 'upstream_failed' });
    expect(execution.status).toBe('FAILED');
  });

  it('skips the teardown when its setup skipped', async () => {
    const { execution, tasks } = await run(cluster('st_setup_skips', 'skipped', 'success', 'success'));
    expect(stateOf(tasks)).toEqual({ create: 'skipped', query: 'skipped', delete: 'skipped' });
    expect(execution.status).toBe('SUCCEEDED');
  });

  it('runs the teardown after skipped work when the setup succeeded', async () => {
    const { tasks } = await run(cluster('st_work_skips', 'success', 'skipped', 'success'));
    expect(stateOf(tasks)).toEqual({ create: 'success', query: 'skipped', delete: 'success' });
  });

  it('runs a teardown without setups once its upstream tasks ended, failed or not', async () => {
    const d = dag({ id: 'st_no_setups' });
    const work = d.task('work', behave('failed'));
    d.task('tidy', { upstream: work, teardown: true }, behave('success'));
    const { execution, tasks } = await run(d);
    expect(stateOf(tasks)).toEqual({ work: 'failed', tidy: 'success' });
    expect(execution.status).toBe('FAILED');
  });

  it("hangs a group's downstream task on the group's work, so it does not wait on or count the teardown", async () => {
    const d = dag({ id: 'st_group_downstream' });
    const group = d.group('cluster', (g) => {
      const made = g.task('create', { setup: true }, behave('success'));
      const query = g.task('query', { upstream: made }, behave('success'));
      g.task('delete', { upstream: query, teardown: { setups: made } }, behave('failed'));
    });
    group.then(d.task('report', behave('success')));
    const { execution, tasks } = await run(d);
    expect(stateOf(tasks)).toEqual({
      'cluster.create': 'success',
      'cluster.query': 'success',
      'cluster.delete': 'failed',
      report: 'success',
    });
    expect(execution.status).toBe('SUCCEEDED');
  });

  it('counts a mapped setup whose items partly failed as failed for its teardown (README: differs from Airflow)', async () => {
    const d = dag({ id: 'st_mapped_setup' });
    const made = d.expand('create', { over: [1, 2], setup: true }, async (_ctx, item: number) => {
      if (item === 2) throw new NonRetryableError('one item failed');
      return item;
    });
    const query = d.task('query', { upstream: made }, behave('success'));
    d.task('delete', { upstream: query, teardown: { setups: made } }, behave('success'));
    const { tasks } = await run(d);
    expect(stateOf(tasks)).toEqual({ create: 'failed', query: 'upstream_failed', delete: 'upstream_failed' });
  });
});
