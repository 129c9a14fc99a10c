import type { TriggerRule } from '../sdk/trigger-rule.ts';
import type { DagIR, TaskIR } from './ir.ts';
import { mappedOverTasks } from './mapping-ir.ts';
import { parseTemplate, splitXcomReference, templateStrings } from './templates.ts';
import type { FinalState } from './trigger-rule-decision.ts';

/**
 * Trigger rules Airflow starts a task on before all its upstream tasks have ended, with the upstream states any
 * one of which starts it (Airflow's trigger_rule_dep: `one_success` once one upstream succeeded, `one_failed`
 * once one failed or is upstream_failed, `one_done` once one succeeded or failed). When every upstream task
 * ends without one of them, the rule is decided on all of them as before (skipped, or upstream_failed).
 * `always` has no dependency at all in Airflow (the task may run at any time): it starts with the run, and the
 * empty list means no gate.
 */
export const EARLY_TRIGGER_RULES: Partial<Record<TriggerRule, readonly FinalState[]>> = {
  one_success: ['success'],
  one_failed: ['failed', 'upstream_failed'],
  one_done: ['success', 'failed'],
  always: [],
};

/**
 * The tasks compiled to start early, with the upstream states that open their gate. The planner cuts every
 * upstream edge of these tasks, so each waits at a gate in a branch of its own beside its upstream tasks' branches.
 * Left to wait for all upstream tasks (exact, later than Airflow): a `one_*` task with one upstream (nothing to gain),
 * one reading an upstream's XCom (an upstream that has not ended has none; Airflow's TaskFlow argument would fail
 * the task), one below a branch, short-circuit or latest-only task (whose choice may skip it after it started), and one below
 * a short-circuit that skips everything downstream.
 */
export function earlyStartingTasks(ir: DagIR): Map<string, readonly FinalState[]> {
  const byId = new Map(ir.tasks.map((task) => [task.id, task]));
  const skippedFromAbove = belowSkipAllShortCircuits(ir);
  const early = new Map<string, readonly FinalState[]>();
  for (const task of ir.tasks) {
    const openWhen = EARLY_TRIGGER_RULES[task.triggerRule];
    if (openWhen === undefined || skippedFromAbove.has(task.id)) continue;
    if (task.upstream.length < (openWhen.length === 0 ? 1 : 2)) continue;
    const choosing = task.upstream.some((id) => {
      const up = byId.get(id)!;
      return (up.kind === 'code' && up.role !== 'task') || up.kind === 'latest_only';
    });
    if (choosing || readsUpstreamXcom(task)) continue;
    early.set(task.id, openWhen);
  }
  return early;
}

function readsUpstreamXcom(task: TaskIR): boolean {
  if (Object.keys(task.inputs).length > 0) return true;
  if (task.kind === 'code' && mappedOverTasks(task.mapping).length > 0) return true;
  for (const found of templateStrings(task, '')) {
    const parsed = parseTemplate(found.value);
    if ('error' in parsed) continue;
    for (const part of parsed.parts) {
      if (
        'ref' in part &&
        part.ref.kind === 'xcom' &&
        splitXcomReference(part.ref.task, (id) => task.upstream.includes(id))
      )
        return true;
    }
  }
  return false;
}

function belowSkipAllShortCircuits(ir: DagIR): Set<string> {
  const downstream = new Map<string, string[]>(ir.tasks.map((task) => [task.id, []]));
  for (const task of ir.tasks) for (const up of task.upstream) downstream.get(up)!.push(task.id);
  const below = new Set<string>();
  const stack = ir.tasks
    .filter((task) => task.kind === 'code' && task.role === 'short_circuit' && task.ignoreDownstreamTriggerRules)
    .flatMap((task) => downstream.get(task.id)!);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (below.has(id)) continue;
    below.add(id);
    stack.push(...downstream.get(id)!);
  }
  return below;
}
