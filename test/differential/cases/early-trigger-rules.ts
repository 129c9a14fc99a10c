import { dag } from '../../../lib/sdk/dag.ts';
import type { TriggerRule } from '../../../lib/sdk/trigger-rule.ts';
import { afterStartOf, type Behaviour, fail, succeed } from '../harness/behaviour.ts';
import type { DifferentialCase } from '../harness/case.ts';

/**
 * Trigger rules Airflow decides before every upstream task has ended (`one_success`, `one_failed`, `one_done`,
 * and `always`, which waits for nothing):
 * `join` waits for `fast` and `slow`; `slow` is answered only once `join`'s try has started (or after 30 s, when
 * the order of events then shows the join waited). `after_slow` keeps following `slow` by its own rule. Each side
 * must show the same order: fast ends, join starts, slow ends, after_slow starts.
 */
type Ends = 'success' | 'failed';

function joinCase(rule: TriggerRule, fast: Ends, slow: Ends, join: string, status: 'SUCCEEDED' | 'FAILED') {
  const d = dag({ id: `diff_early_${rule}_${fast}_${slow}` });
  const noop = async () => null;
  const f = d.task('fast', noop);
  const s = d.task('slow', noop);
  const j = d.task('join', { upstream: [f, s], triggerRule: rule }, noop);
  d.task('after_slow', { upstream: s }, noop);
  d.task('after_join', { upstream: j }, noop);
  const answer = (ends: Ends): Behaviour => (ends === 'success' ? succeed() : fail());
  const early = rule === 'always' || (join === 'success' && (rule === 'one_failed') === (fast === 'failed'));
  const ran = (ends: Ends) => (ends === 'success' ? { state: 'success', try: 1 } : { state: 'failed', error: 'Error' });
  const afterJoin = join === 'success' ? 'success' : join;
  return {
    name: `${rule} join over a fast (${fast}) and a slow (${slow}) upstream starts ${early ? 'before the slow one ends' : 'once both ended'}`,
    dag: d,
    behaviours: {
      fast: answer(fast),
      // Only a join that can start early is waited for: otherwise the slow task would wait out its limit.
      slow: early ? afterStartOf('join', answer(slow)) : answer(slow),
    },
    motoGaps: ['parallel-merge'],
    before: early
      ? [
          // `always` waits for neither upstream task: only the slow one is held until it has started.
          ...(rule === 'always' ? [] : [['fast:end', 'join:start'] as const]),
          ['join:start', 'slow:end'] as const,
          ...(slow === 'success' ? [['slow:end', 'after_slow:start'] as const] : []),
        ]
      : join === 'success'
        ? [['slow:end', 'join:start']]
        : // The join never starts, and nothing holds either upstream task: their order is the machine's, so only the
          // outcome once both ended is compared (the property test proves such a join waits for both).
          [],
    expected: {
      status,
      ...(status === 'FAILED' ? { error: 'DagRunFailed' } : {}),
      tasks: {
        fast: ran(fast),
        slow: ran(slow),
        join: join === 'success' ? { state: 'success', try: 1 } : { state: join },
        after_slow: slow === 'success' ? { state: 'success', try: 1 } : { state: 'upstream_failed' },
        after_join: afterJoin === 'success' ? { state: 'success', try: 1 } : { state: afterJoin },
      },
    },
  } satisfies DifferentialCase;
}

export function earlyTriggerRuleCases(): DifferentialCase[] {
  return [
    joinCase('one_success', 'success', 'success', 'success', 'SUCCEEDED'),
    joinCase('one_failed', 'failed', 'success', 'success', 'SUCCEEDED'),
    joinCase('one_done', 'success', 'success', 'success', 'SUCCEEDED'),
    joinCase('one_done', 'failed', 'success', 'success', 'SUCCEEDED'),
    // Airflow's `always` has no dependency: the join starts with the run.
    joinCase('always', 'failed', 'failed', 'success', 'FAILED'),
    // Not decided by the first to end: the join waits for the second.
    joinCase('one_success', 'failed', 'success', 'success', 'SUCCEEDED'),
    // Decided by neither: Airflow's outcome once both have ended.
    joinCase('one_success', 'failed', 'failed', 'upstream_failed', 'FAILED'),
    joinCase('one_failed', 'success', 'success', 'skipped', 'SUCCEEDED'),
  ];
}
