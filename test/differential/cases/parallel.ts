import { dag } from '../../../lib/sdk/dag.ts';
import { TRIGGER_RULES } from '../../../lib/sdk/trigger-rule.ts';
import { fail, sleepThen, succeed } from '../harness/behaviour.ts';
import type { DifferentialCase } from '../harness/case.ts';
import { AIRFLOW_OUTCOMES } from './trigger-rules.ts';

/** Generated DAGs whose upstream tasks run side by side: Parallel states (moto 5.2.5 cannot merge them). */
const noop = async () => null;

export function parallelCases(): DifferentialCase[] {
  // Every trigger rule over each pair of upstream outcomes, in one DAG: `ok` succeeds, `bad` fails and `skip` is
  // skipped by a branch that follows `ok` only; all three run side by side.
  const mixes = dag({ id: 'diff_rule_mixes' });
  const pick = mixes.branch('pick', async () => ['ok']);
  const ok = mixes.task('ok', { upstream: [pick] }, noop);
  const skip = mixes.task('skip', { upstream: [pick] }, noop);
  const bad = mixes.task('bad', noop);
  const pairs = { ok_bad: [ok, bad, 'B'], ok_skip: [ok, skip, 'C'], bad_skip: [bad, skip, 'D'] } as const;
  const ruled: Record<string, { state: string }> = {};
  for (const rule of TRIGGER_RULES) {
    for (const [mix, [first, second, column]] of Object.entries(pairs)) {
      mixes.task(`${rule}__${mix}`, { triggerRule: rule, upstream: [first, second] }, noop);
      ruled[`${rule}__${mix}`] = { state: AIRFLOW_OUTCOMES[rule][column] };
    }
  }

  const failing = dag({ id: 'diff_parallel_failure' });
  const left = failing.task('left', { retries: 1, retryDelay: 1 }, noop);
  const right = failing.task('right', noop);
  failing.task('join', { upstream: [left, right] }, noop);
  failing.task('cleanup', { upstream: [left, right], triggerRule: 'all_done' }, noop);

  return [
    {
      name: 'every trigger rule over upstream tasks that ran side by side',
      dag: mixes,
      behaviours: { pick: succeed(['ok']), bad: fail() },
      motoGaps: ['parallel-merge'],
      expected: {
        status: 'FAILED',
        error: 'DagRunFailed',
        tasks: {
          pick: { state: 'success', try: 1, follow: { ok: true, skip: false } },
          ok: { state: 'success', try: 1 },
          skip: { state: 'skipped' },
          bad: { state: 'failed', error: 'Error' },
          ...ruled,
        },
      },
    },
    {
      name: 'a failed branch (after a retry) never cancels its running sibling',
      dag: failing,
      behaviours: { left: fail(), right: sleepThen(1.5, succeed('right done')) },
      motoGaps: ['parallel-merge'],
      ministackGaps: ['retry-beside-waiting-branch'],
      expected: {
        status: 'FAILED',
        error: 'DagRunFailed',
        tasks: {
          left: { state: 'failed', error: 'Error' },
          right: { state: 'success', try: 1 },
          join: { state: 'upstream_failed' },
          cleanup: { state: 'success', try: 1 },
        },
        tries: { left: 2, right: 1, cleanup: 1 },
      },
    },
  ];
}
