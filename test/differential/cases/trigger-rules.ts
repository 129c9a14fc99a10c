import { EARLY_TRIGGER_RULES } from '../../../lib/compiler/early-trigger-rules.ts';
import { dag } from '../../../lib/sdk/dag.ts';
import type { TaskRef } from '../../../lib/sdk/task-ref.ts';
import { TRIGGER_RULES, type TriggerRule } from '../../../lib/sdk/trigger-rule.ts';
import { type BehaviourTable, fail, succeed } from '../harness/behaviour.ts';
import type { DifferentialCase } from '../harness/case.ts';

/**
 * Every trigger rule over mixes of upstream outcomes (success, failed, skipped, upstream_failed), built as
 * chains so moto can run them: the upstream tasks of `target` follow one another, each given the trigger rule
 * that ends it in the wanted state after the one before (a failing `boom` or a false short-circuit `sc` is put
 * in front where no rule can get there). `target` depends on all of them. A rule decided early (`one_*`,
 * `always`) puts `target` in a branch beside the chain: a Parallel, which moto 5.2.5 cannot merge (compared on
 * MiniStack instead).
 */
type Outcome = 'success' | 'failed' | 'skipped' | 'upstream_failed';

export const MIXES = {
  A: ['success', 'success'],
  B: ['success', 'failed'],
  C: ['success', 'skipped'],
  D: ['failed', 'skipped'],
  E: ['skipped', 'skipped'],
  F: ['failed', 'upstream_failed'],
  G: ['upstream_failed', 'success'],
  H: ['skipped', 'upstream_failed'],
} as const satisfies Record<string, readonly Outcome[]>;

type Mix = keyof typeof MIXES;
const RUN = 'success';
const SKIP = 'skipped';
const UF = 'upstream_failed';

/** Airflow's decision for `target` under each mix (A–H above), from its trigger rule documentation. */
export const AIRFLOW_OUTCOMES: Record<TriggerRule, Record<Mix, Outcome>> = {
  all_success: { A: RUN, B: UF, C: SKIP, D: UF, E: SKIP, F: UF, G: UF, H: UF },
  all_failed: { A: SKIP, B: SKIP, C: SKIP, D: SKIP, E: SKIP, F: RUN, G: SKIP, H: SKIP },
  all_done: { A: RUN, B: RUN, C: RUN, D: RUN, E: RUN, F: RUN, G: RUN, H: RUN },
  all_skipped: { A: SKIP, B: SKIP, C: SKIP, D: SKIP, E: RUN, F: SKIP, G: SKIP, H: SKIP },
  one_success: { A: RUN, B: RUN, C: RUN, D: UF, E: SKIP, F: UF, G: RUN, H: UF },
  one_failed: { A: SKIP, B: RUN, C: SKIP, D: RUN, E: SKIP, F: RUN, G: RUN, H: RUN },
  one_done: { A: RUN, B: RUN, C: RUN, D: RUN, E: SKIP, F: RUN, G: RUN, H: SKIP },
  none_failed: { A: RUN, B: UF, C: RUN, D: UF, E: RUN, F: UF, G: UF, H: UF },
  none_failed_min_one_success: { A: RUN, B: UF, C: RUN, D: UF, E: SKIP, F: UF, G: UF, H: UF },
  none_skipped: { A: RUN, B: RUN, C: SKIP, D: SKIP, E: SKIP, F: RUN, G: RUN, H: SKIP },
  always: { A: RUN, B: RUN, C: RUN, D: RUN, E: RUN, F: RUN, G: RUN, H: RUN },
};

/** The rule that ends a task in `want` right after a task that ended in `after`, if there is one. */
function ruleAfter(after: Outcome, want: Outcome): TriggerRule | undefined {
  // all_done, not always: an `always` task starts with the run (it waits for nothing), which breaks the chain.
  if (want === 'success' || want === 'failed') return 'all_done';
  if (want === 'skipped')
    return { success: 'all_failed', failed: 'all_skipped', skipped: 'all_success', upstream_failed: 'all_skipped' }[
      after
    ] as TriggerRule;
  return after === 'failed' || after === 'upstream_failed' ? 'all_success' : undefined;
}

function ruleCase(rule: TriggerRule, mix: Mix): DifferentialCase {
  const outcomes = MIXES[mix];
  const d = dag({ id: `diff_rule_${rule}_${mix}` });
  const behaviours: Record<string, BehaviourTable[string]> = {};
  const expectedTasks: Record<string, { state: string }> = {};
  let previous: { ref: TaskRef; state: Outcome } | undefined;
  const chain = (id: string, state: Outcome, rule?: TriggerRule) => {
    const ref = d.task(
      id,
      {
        ...(previous !== undefined ? { upstream: previous.ref } : {}),
        ...(rule !== undefined ? { triggerRule: rule } : {}),
      },
      async () => null,
    );
    if (state === 'failed') behaviours[id] = fail();
    expectedTasks[id] = { state };
    previous = { ref, state };
    return ref;
  };
  const upstream = outcomes.map((want, i) => {
    const id = `u${i}_${want}`;
    if (previous === undefined && want === 'skipped') {
      const sc = d.shortCircuit('sc', { ignoreDownstreamTriggerRules: false }, async () => false);
      behaviours.sc = succeed(false);
      expectedTasks.sc = { state: 'success' };
      previous = { ref: sc, state: 'success' };
      const ref = d.task(id, { upstream: sc }, async () => null);
      expectedTasks[id] = { state: 'skipped' };
      previous = { ref, state: 'skipped' };
      return ref;
    }
    if (previous === undefined && want === 'success') return chain(id, want);
    if (previous === undefined && want === 'failed') return chain(id, want);
    let rule = previous === undefined ? undefined : ruleAfter(previous.state, want);
    if (rule === undefined) {
      // Nothing turns success/skipped (or no task) into upstream_failed: put a failing task in front.
      chain(`boom${i}`, 'failed', previous === undefined ? undefined : 'all_done');
      rule = 'all_success';
    }
    return chain(id, want, rule);
  });
  d.task('target', { upstream, triggerRule: rule }, async () => null);
  const target = AIRFLOW_OUTCOMES[rule][mix];
  return {
    name: `trigger rule ${rule} over [${outcomes.join(', ')}]`,
    dag: d,
    behaviours,
    ...(EARLY_TRIGGER_RULES[rule] !== undefined ? { motoGaps: ['parallel-merge'] as const } : {}),
    expected: {
      status: target === 'upstream_failed' ? 'FAILED' : 'SUCCEEDED',
      ...(target === 'upstream_failed' ? { error: 'DagRunFailed' } : {}),
      tasks: { ...expectedTasks, target: { state: target } },
    },
  };
}

export function triggerRuleCases(): DifferentialCase[] {
  return TRIGGER_RULES.flatMap((rule) => (Object.keys(MIXES) as Mix[]).map((mix) => ruleCase(rule, mix)));
}
