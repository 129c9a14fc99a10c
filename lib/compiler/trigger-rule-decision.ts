import type { TriggerRule } from '../sdk/trigger-rule.ts';

/** The final states a task can end in; trigger rules are decided on these. */
export const FINAL_STATES = ['success', 'failed', 'skipped', 'upstream_failed'] as const;
export type FinalState = (typeof FINAL_STATES)[number];

/** What a task does once its upstream tasks are done. */
export type Decision = 'run' | 'skipped' | 'upstream_failed';

/**
 * Airflow's trigger rules, decided on the final states of the direct upstream tasks. A task without upstream
 * tasks always runs. Rules Airflow decides earlier (`one_*` at the first deciding upstream state, `always` at
 * once) wait at a gate that opens then (early-trigger-rules.ts); the records not there yet read as state `none`,
 * which no condition here matches, so the same formulas decide them.
 */
export function decideTriggerRule(rule: TriggerRule, upstream: readonly FinalState[]): Decision {
  if (upstream.length === 0) return 'run';
  const success = countOf(upstream, 'success');
  const skipped = countOf(upstream, 'skipped');
  const failed = countOf(upstream, 'failed') + countOf(upstream, 'upstream_failed');
  const all = upstream.length;
  switch (rule) {
    case 'all_success':
      return failed > 0 ? 'upstream_failed' : skipped > 0 ? 'skipped' : 'run';
    case 'all_failed':
      return failed === all ? 'run' : 'skipped';
    case 'all_done':
    case 'always':
      return 'run';
    case 'all_skipped':
      return skipped === all ? 'run' : 'skipped';
    case 'one_success':
      return success > 0 ? 'run' : skipped === all ? 'skipped' : 'upstream_failed';
    case 'one_failed':
      return failed > 0 ? 'run' : 'skipped';
    case 'one_done':
      return success + countOf(upstream, 'failed') > 0 ? 'run' : 'skipped';
    case 'none_failed':
      return failed > 0 ? 'upstream_failed' : 'run';
    case 'none_failed_min_one_success':
      return failed > 0 ? 'upstream_failed' : skipped === all ? 'skipped' : 'run';
    case 'none_skipped':
      return skipped > 0 ? 'skipped' : 'run';
  }
}

/**
 * The same decision as a list of conditions, in the order a Choice state tests them, each a boolean formula
 * over "upstream u is in state s". The last entry has no condition (the Choice default). `quantifier` says
 * whether the atom comes from "some upstream task" or "every upstream task": Airflow counts each item of a
 * mapped upstream task as an upstream task instance, so for a mapped upstream the atom means "some item" or
 * "every item" is in one of the states.
 */
export type Atom = {
  readonly upstream: string;
  readonly states: readonly FinalState[];
  readonly quantifier: 'some' | 'every';
};
export type Formula =
  | { readonly kind: 'atom'; readonly atom: Atom }
  | { readonly kind: 'and' | 'or'; readonly terms: readonly Formula[] };

export function triggerRuleFormulas(
  rule: TriggerRule,
  upstream: readonly string[],
): Array<{ when?: Formula; decision: Decision }> {
  const FAILED: FinalState[] = ['failed', 'upstream_failed'];
  if (upstream.length === 0) return [{ decision: 'run' }];
  switch (rule) {
    case 'all_success':
      return [
        { when: anyOf(upstream, FAILED), decision: 'upstream_failed' },
        { when: anyOf(upstream, ['skipped']), decision: 'skipped' },
        { decision: 'run' },
      ];
    case 'all_failed':
      return [{ when: everyOf(upstream, FAILED), decision: 'run' }, { decision: 'skipped' }];
    case 'all_done':
    case 'always':
      return [{ decision: 'run' }];
    case 'all_skipped':
      return [{ when: everyOf(upstream, ['skipped']), decision: 'run' }, { decision: 'skipped' }];
    case 'one_success':
      return [
        { when: anyOf(upstream, ['success']), decision: 'run' },
        { when: everyOf(upstream, ['skipped']), decision: 'skipped' },
        { decision: 'upstream_failed' },
      ];
    case 'one_failed':
      return [{ when: anyOf(upstream, FAILED), decision: 'run' }, { decision: 'skipped' }];
    case 'one_done':
      return [{ when: anyOf(upstream, ['success', 'failed']), decision: 'run' }, { decision: 'skipped' }];
    case 'none_failed':
      return [{ when: anyOf(upstream, FAILED), decision: 'upstream_failed' }, { decision: 'run' }];
    case 'none_failed_min_one_success':
      return [
        { when: anyOf(upstream, FAILED), decision: 'upstream_failed' },
        { when: everyOf(upstream, ['skipped']), decision: 'skipped' },
        { decision: 'run' },
      ];
    case 'none_skipped':
      return [{ when: anyOf(upstream, ['skipped']), decision: 'skipped' }, { decision: 'run' }];
  }
}

// Module functions, not closures made per call: these run for every task of a DAG (see TaskEmission in emit-asl.ts).
function countOf(upstream: readonly FinalState[], state: FinalState): number {
  let n = 0;
  for (const s of upstream) if (s === state) n++;
  return n;
}

/** Some upstream task ended in one of `states`. */
function anyOf(upstream: readonly string[], states: readonly FinalState[]): Formula {
  return or(upstream.map((id) => ({ kind: 'atom', atom: { upstream: id, states, quantifier: 'some' } })));
}

/** Every upstream task ended in one of `states`. */
function everyOf(upstream: readonly string[], states: readonly FinalState[]): Formula {
  return and(upstream.map((id) => ({ kind: 'atom', atom: { upstream: id, states, quantifier: 'every' } })));
}

function or(terms: Formula[]): Formula {
  return terms.length === 1 ? terms[0]! : { kind: 'or', terms };
}

function and(terms: Formula[]): Formula {
  return terms.length === 1 ? terms[0]! : { kind: 'and', terms };
}
