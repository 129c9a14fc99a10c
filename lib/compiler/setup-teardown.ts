import type { DeclaredTask } from '../sdk/task-spec.ts';
import type { TaskIR } from './ir.ts';
import type { Decision, FinalState, Formula } from './trigger-rule-decision.ts';

/**
 * Setup and teardown tasks, as Airflow 3 has them (`as_setup()`, `as_teardown(setups=…, on_failure_fail_dagrun=…)`):
 * - a teardown runs once all its upstream tasks ended, if one of its setups succeeded, whatever the work between
 *   did; it is skipped when all its setups skipped and upstream_failed when none succeeded (trigger_rule_dep's
 *   `all_done_setup_success`); without setups it runs once all upstream tasks ended;
 * - the run's state ignores teardowns unless `on_failure_fail_dagrun` (dagrun.py `_tis_for_dagrun_state`);
 * - a task group's last tasks, as an upstream, skip its teardowns (TaskGroup.get_leaves).
 * @see https://airflow.apache.org/docs/apache-airflow/stable/howto/setup-and-teardown.html
 */

const NOT_SUCCESS: readonly FinalState[] = ['failed', 'upstream_failed', 'skipped'];

/** A teardown's trigger rule as Choice conditions, in order; the last entry is the default. */
export function teardownFormulas(setups: readonly string[]): Array<{ when?: Formula; decision: Decision }> {
  if (setups.length === 0) return [{ decision: 'run' }];
  return [
    { when: every(setups, ['skipped']), decision: 'skipped' },
    { when: every(setups, NOT_SUCCESS), decision: 'upstream_failed' },
    { decision: 'run' },
  ];
}

/** The same rule decided on known final states of the setups (the others' states do not matter). */
export function decideTeardown(setupStates: readonly FinalState[]): Decision {
  if (setupStates.length === 0) return 'run';
  if (setupStates.every((state) => state === 'skipped')) return 'skipped';
  return setupStates.includes('success') ? 'run' : 'upstream_failed';
}

function every(ids: readonly string[], states: readonly FinalState[]): Formula {
  const terms: Formula[] = ids.map((id) => ({ kind: 'atom', atom: { upstream: id, states, quantifier: 'every' } }));
  return terms.length === 1 ? terms[0]! : { kind: 'and', terms };
}

/**
 * The tasks whose states decide the run's (Airflow's "effective leaves"): a task counts when each of its
 * downstream tasks is a teardown that does not fail the run, and it is not such a teardown itself. A DAG made only
 * of ignored teardowns falls back to its plain leaves, as Airflow does.
 */
export function runStateLeaves(tasks: readonly TaskIR[], downstream: ReadonlyMap<string, readonly string[]>): TaskIR[] {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const ignored = (task: TaskIR) => task.teardown !== undefined && !task.teardown.failsRun;
  const leaves = tasks.filter(
    (task) => !ignored(task) && downstream.get(task.id)!.every((id) => ignored(byId.get(id)!)),
  );
  return leaves.length > 0 ? leaves : tasks.filter((task) => downstream.get(task.id)!.length === 0);
}

/**
 * A task group's last tasks, which its downstream dependencies hang on: tasks with no downstream task in the group,
 * where a teardown is replaced by the work tasks above it (never its setups), as Airflow's TaskGroup.get_leaves.
 */
export function groupLastTasks(
  inside: ReadonlySet<string>,
  internalEdges: ReadonlyArray<readonly [string, string]>,
  declared: (id: string) => Pick<DeclaredTask, 'setup' | 'teardown'>,
): string[] {
  const upstreamOf = new Map<string, string[]>();
  const downstreamOf = new Map<string, string[]>();
  for (const id of inside) {
    upstreamOf.set(id, []);
    downstreamOf.set(id, []);
  }
  for (const [from, to] of internalEdges) {
    upstreamOf.get(to)!.push(from);
    downstreamOf.get(from)!.push(to);
  }
  const isTeardown = (id: string) => declared(id).teardown !== undefined;
  const found = new Set<string>();
  const workAbove = (teardown: string, seen: Set<string>): void => {
    if (seen.has(teardown)) return;
    seen.add(teardown);
    for (const up of upstreamOf.get(teardown)!) {
      if (isTeardown(up)) workAbove(up, seen);
      else if (declared(up).setup === true) continue;
      else if (!downstreamOf.get(up)!.some((down) => down !== teardown && !isTeardown(down))) found.add(up);
    }
  };
  for (const id of inside) {
    if (downstreamOf.get(id)!.length > 0) continue;
    if (isTeardown(id)) workAbove(id, new Set());
    else found.add(id);
  }
  // A group of nothing but setups and teardowns: its plain last tasks, rather than none.
  if (found.size === 0) return [...inside].filter((id) => downstreamOf.get(id)!.length === 0);
  return [...inside].filter((id) => found.has(id));
}

/**
 * What Airflow refuses when it parses such a DAG: a teardown's setups must be setup tasks, and the work right
 * below a setup keeps `all_success` (a setup that failed or skipped must stop its work).
 */
export function setupTeardownProblems(
  tasks: readonly TaskIR[],
): Array<{ taskId: string; field: string; message: string }> {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const problems: Array<{ taskId: string; field: string; message: string }> = [];
  for (const task of tasks) {
    for (const id of task.teardown?.setups ?? []) {
      if (byId.get(id)?.setup !== true) {
        problems.push({
          taskId: task.id,
          field: 'teardown.setups',
          message: `'${id}' is not a setup task; declare it with setup: true`,
        });
      }
    }
    if (task.teardown !== undefined || task.triggerRule === 'all_success') continue;
    const setups = task.upstream.filter((id) => byId.get(id)?.setup === true);
    if (setups.length > 0) {
      problems.push({
        taskId: task.id,
        field: 'triggerRule',
        message: `a task right below setup task '${setups[0]}' must keep the all_success trigger rule (as Airflow requires), got '${task.triggerRule}'`,
      });
    }
  }
  return problems;
}
