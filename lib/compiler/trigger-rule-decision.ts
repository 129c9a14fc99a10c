import type { TriggerRule } from '../sdk/trigger-rule.ts';

/** The final states a task can end in; trigger rules are decided on these. */
export const FINAL_STATES = ['success', 'failed', 'skipped', 'upstream_failed'] as const;
export type FinalState = (typeof FINAL_STATES)[number];

/** What a task does once its upstream tasks are done. */
export type Decision = 'run' | 'skipped' | 'upstream_failed';

/**
 * Airflow's trigger rules, decided once every direct upstream task has ended. A task without upstream tasks
 * always runs. (Airflow may start `one_*` rules before all upstream tasks end; Airstep decides them when all
 * are done, which gives the same decision.)
 */
export function decideTriggerRule(rule: TriggerRule, upstream: readonly FinalState[]): Decision {
  if (upstream.length === 0) return 'run';
  const count = (state: FinalState) => upstream.filter((s) => s === state).length;
  const success = count('success');
  const skipped = count('skipped');
  const failed = count('failed') + count('upstream_failed');
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
      return success + count('failed') > 0 ? 'run' : 'skipped';
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
 * over "upstream u is in state s". The last entry has no condition (the Choice default).
 */
export type Atom = { readonly upstream: string; readonly states: readonly FinalState[] };
export type Formula =
  | { readonly kind: 'atom'; readonly atom: Atom }
  | { readonly kind: 'and' | 'or'; readonly terms: readonly Formula[] };

export function triggerRuleFormulas(
  rule: TriggerRule,
  upstream: readonly string[],
): Array<{ when?: Formula; decision: Decision }> {
  const any = (states: readonly FinalState[]): Formula =>
    or(upstream.map((id) => ({ kind: 'atom', atom: { upstream: id, states } })));
  const every = (states: readonly FinalState[]): Formula =>
    and(upstream.map((id) => ({ kind: 'atom', atom: { upstream: id, states } })));
  const FAILED: FinalState[] = ['failed', 'upstream_failed'];
  if (upstream.length === 0) return [{ decision: 'run' }];
  switch (rule) {
    case 'all_success':
      return [
        { when: any(FAILED), decision: 'upstream_failed' },
        { when: any(['skipped']), decision: 'skipped' },
        { decision: 'run' },
      ];
    case 'all_failed':
      return [{ when: every(FAILED), decision: 'run' }, { decision: 'skipped' }];
    case 'all_done':
    case 'always':
      return [{ decision: 'run' }];
    case 'all_skipped':
      return [{ when: every(['skipped']), decision: 'run' }, { decision: 'skipped' }];
    case 'one_success':
      return [
        { when: any(['success']), decision: 'run' },
        { when: every(['skipped']), decision: 'skipped' },
        { decision: 'upstream_failed' },
      ];
    case 'one_failed':
      return [{ when: any(FAILED), decision: 'run' }, { decision: 'skipped' }];
    case 'one_done':
      return [{ when: any(['success', 'failed']), decision: 'run' }, { decision: 'skipped' }];
    case 'none_failed':
      return [{ when: any(FAILED), decision: 'upstream_failed' }, { decision: 'run' }];
    case 'none_failed_min_one_success':
      return [
        { when: any(FAILED), decision: 'upstream_failed' },
        { when: every(['skipped']), decision: 'skipped' },
        { decision: 'run' },
      ];
    case 'none_skipped':
      return [{ when: any(['skipped']), decision: 'skipped' }, { decision: 'run' }];
  }
}

function or(terms: Formula[]): Formula {
  return terms.length === 1 ? terms[0]! : { kind: 'or', terms };
}

function and(terms: Formula[]): Formula {
  return terms.length === 1 ? terms[0]! : { kind: 'and', terms };
}
