import branching from '../../dags/examples/branching.ts';
import mapping from '../../dags/examples/dynamic_mapping.ts';
import { generated } from '../../dags/examples/generated_dags.ts';
import nonSeriesParallel from '../../dags/examples/non_series_parallel.ts';
import pools from '../../dags/examples/pools.ts';
import groups from '../../dags/examples/task_groups.ts';
import { dag } from '../../lib/index.ts';
import { TRIGGER_RULES } from '../../lib/sdk/trigger-rule.ts';
import { MINISTACK_GAPS } from './gaps.ts';
import { type Behaviour, type Case, sleep } from './harness.ts';

/** The differential cases: the same DAG and task behaviour for the local engine and the emulator. */

const noop = async () => null;
const fail =
  (error = 'Error'): Behaviour =>
  async () => ({ ok: false, error, cause: `${error} raised by the test` });
const failTimes =
  (times: number): Behaviour =>
  async (message) =>
    message.retryCount < times
      ? { ok: false, error: 'Error', cause: `try ${message.retryCount + 1} fails` }
      : { ok: true, output: `succeeded on try ${message.retryCount + 1}` };

/** Chains only: no Parallel state, so moto 5.2.5 can run them (see MOTO_GAPS). */
export function chainCases(): Case[] {
  const cases: Case[] = [];

  const retried = dag({ id: 'diff_retries' });
  retried.task('flaky', { retries: 2, retryDelay: 1 }, noop).then(retried.task('after', noop));
  cases.push({ name: 'retries: fail twice, then succeed', dag: retried, behaviours: { flaky: failTimes(2) } });

  const nonRetryable = dag({ id: 'diff_non_retryable' });
  nonRetryable.task('doomed', { retries: 3, retryDelay: 1 }, noop).then(nonRetryable.task('after', noop));
  cases.push({
    name: 'NonRetryableError fails at once',
    dag: nonRetryable,
    behaviours: { doomed: fail('NonRetryableError') },
  });

  const retriesExhausted = dag({ id: 'diff_retries_exhausted' });
  retriesExhausted.task('broken', { retries: 1, retryDelay: 1 }, noop).then(retriesExhausted.task('after', noop));
  cases.push({ name: 'retries exhausted', dag: retriesExhausted, behaviours: { broken: fail() } });

  const timeout = dag({ id: 'diff_timeout' });
  timeout.task('slow', { executionTimeout: '1 second', retries: 0 }, noop).then(timeout.task('after', noop));
  cases.push({
    name: 'executionTimeout: States.Timeout',
    dag: timeout,
    behaviours: {
      slow: async () => {
        await sleep(2500);
        return { ok: true, output: 'too late' };
      },
    },
  });

  const lost = dag({ id: 'diff_heartbeat_lost' });
  lost.task('silent', { heartbeat: '1 second', retries: 0 }, noop).then(lost.task('after', noop));
  cases.push({
    name: 'heartbeat loss: States.Timeout (matchable as States.HeartbeatTimeout)',
    dag: lost,
    behaviours: {
      silent: async () => {
        await sleep(3000);
        return { ok: true, output: 'too late' };
      },
    },
  });

  const kept = dag({ id: 'diff_heartbeat_kept' });
  kept.task('chatty', { heartbeat: '1 second', retries: 0 }, noop).then(kept.task('after', noop));
  cases.push({
    name: 'heartbeats keep a long task alive',
    dag: kept,
    behaviours: {
      chatty: async (_message, io) => {
        for (let i = 0; i < 8; i++) {
          io.heartbeat();
          await sleep(300);
        }
        return { ok: true, output: 'alive' };
      },
    },
  });

  // Every trigger rule behind one upstream task that succeeded, failed, or was skipped by a short-circuit.
  for (const rule of TRIGGER_RULES) {
    for (const upstream of ['success', 'failed', 'skipped'] as const) {
      const d = dag({ id: `diff_rule_${rule}_${upstream}` });
      const start =
        upstream === 'skipped'
          ? d.shortCircuit('gate', { ignoreDownstreamTriggerRules: false }, async () => false).then(d.task('up', noop))
          : d.task('up', { retries: 0 }, noop);
      start.then(d.task('ruled', { triggerRule: rule }, noop)).then(d.task('after', noop));
      cases.push({
        name: `trigger rule ${rule} after ${upstream}`,
        dag: d,
        behaviours: {
          ...(upstream === 'failed' ? { up: fail() } : {}),
          gate: async () => ({ ok: true, output: false }),
        },
      });
    }
  }
  return cases;
}

/** Parallel, Map and gates: MiniStack runs these faithfully (moto 5.2.5 cannot; see MOTO_GAPS). */
export function branchingCases(): Case[] {
  const cases: Case[] = [
    {
      name: 'example branching (full load)',
      dag: branching,
      behaviours: { choose_path: async () => ({ ok: true, output: ['full_load'] }) },
    },
    {
      name: 'example branching (incremental load)',
      dag: branching,
      behaviours: { choose_path: async () => ({ ok: true, output: ['incremental_load'] }) },
    },
    {
      name: 'example dynamic_mapping',
      dag: mapping,
      behaviours: {
        list_partitions: async () => ({ ok: true, output: ['p1', 'p2', 'p3'] }),
        process_partition: async (message) => ({ ok: true, output: { partition: message.item, rows: 10 } }),
      },
    },
    {
      name: 'example non_series_parallel (gates)',
      dag: nonSeriesParallel,
      behaviours: {
        slow: async () => {
          await sleep(1500);
          return { ok: true, output: 'slow done' };
        },
      },
    },
    { name: 'example pools', dag: pools },
    { name: 'example task_groups', dag: groups },
    ...generated.map((d) => ({ name: `example ${d.id}`, dag: d })),
  ];

  // Every trigger rule over each mix of two upstream outcomes, in one DAG: `ok` succeeds, `bad` fails, and
  // `skip` is skipped by a branch that follows `ok` only.
  const mixes = dag({ id: 'diff_rule_mixes' });
  const pick = mixes.branch('pick', async () => ['ok']);
  const ok = mixes.task('ok', { upstream: [pick] }, noop);
  const skip = mixes.task('skip', { upstream: [pick] }, noop);
  const bad = mixes.task('bad', { retries: 0 }, noop);
  const pairs = { ok_bad: [ok, bad], ok_skip: [ok, skip], bad_skip: [bad, skip] } as const;
  for (const rule of TRIGGER_RULES) {
    for (const [mix, upstream] of Object.entries(pairs)) {
      mixes.task(`${rule}__${mix}`, { triggerRule: rule, upstream: [...upstream] }, noop);
    }
  }
  cases.push({
    name: 'every trigger rule over mixed upstream outcomes',
    dag: mixes,
    behaviours: { pick: async () => ({ ok: true, output: ['ok'] }), bad: fail() },
  });

  const failing = dag({ id: 'diff_parallel_failure' });
  const left = failing.task('left', { retries: 1, retryDelay: 1 }, noop);
  const right = failing.task('right', noop);
  failing.task('join', { upstream: [left, right] }, noop);
  failing.task('cleanup', { upstream: [left, right], triggerRule: 'all_done' }, noop);
  cases.push({
    name: 'a failed branch never cancels its sibling',
    dag: failing,
    emulatorGap: MINISTACK_GAPS['Retry beside a waiting branch'],
    expected: {
      status: 'FAILED',
      error: 'DagRunFailed',
      tasks: {
        left: { state: 'failed', output: null, error: 'Error' },
        right: { state: 'success', try: 1 },
        join: { state: 'upstream_failed', output: null },
        cleanup: { state: 'success', try: 1 },
      },
      calls: { left: 2, right: 1, cleanup: 1 },
    },
    behaviours: {
      left: fail(),
      right: async () => {
        await sleep(1500);
        return { ok: true, output: 'right done' };
      },
    },
  });
  return cases;
}
