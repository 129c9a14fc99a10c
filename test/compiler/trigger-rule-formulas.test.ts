import { describe, expect, it } from 'vitest';
import {
  decideTriggerRule,
  FINAL_STATES,
  type FinalState,
  type Formula,
  triggerRuleFormulas,
} from '../../lib/compiler/trigger-rule-decision.ts';
import { TRIGGER_RULES } from '../../lib/sdk/trigger-rule.ts';

/** The Choice-state formulas must decide exactly what the decision table decides, for every upstream mix. */
function holds(formula: Formula, states: Record<string, FinalState>): boolean {
  if (formula.kind === 'atom') return formula.atom.states.includes(states[formula.atom.upstream]!);
  return formula.kind === 'and'
    ? formula.terms.every((term) => holds(term, states))
    : formula.terms.some((term) => holds(term, states));
}

function* mixes(count: number): Generator<FinalState[]> {
  if (count === 0) {
    yield [];
    return;
  }
  for (const rest of mixes(count - 1)) for (const state of FINAL_STATES) yield [...rest, state];
}

describe('Function: triggerRuleFormulas', () => {
  it.each(TRIGGER_RULES)('agrees with decideTriggerRule for %s on every mix of up to three upstream states', (rule) => {
    for (let count = 1; count <= 3; count++) {
      const ids = ['u0', 'u1', 'u2'].slice(0, count);
      for (const mix of mixes(count)) {
        const states = Object.fromEntries(ids.map((id, i) => [id, mix[i]!]));
        const decision = triggerRuleFormulas(rule, ids).find(
          (entry) => entry.when === undefined || holds(entry.when, states),
        )!;
        expect(decision.decision, `${rule} with ${mix.join(', ')}`).toBe(decideTriggerRule(rule, mix));
      }
    }
  });

  it('always runs a task without upstream tasks', () => {
    for (const rule of TRIGGER_RULES) expect(triggerRuleFormulas(rule, [])).toEqual([{ decision: 'run' }]);
  });
});
