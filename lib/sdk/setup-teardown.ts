import type { DagGraph } from './dag-graph.ts';
import { TaskRef } from './task-ref.ts';
import type { DeclaredTask } from './task-spec.ts';
import type { TriggerRule } from './trigger-rule.ts';

/** A task's `setup` / `teardown` options as the author wrote them (see `CommonTaskOptions`). */
export interface SetupTeardownOptions {
  readonly setup?: unknown;
  readonly teardown?: unknown;
}

/**
 * Reads a task's `setup` / `teardown` options into the marks kept on the declared task, and the setup tasks that
 * become the teardown's upstream tasks (Airflow's `as_teardown(setups=…)` adds the same edges). Problems are
 * recorded on the graph, never thrown, so validation reports them with the rest.
 */
export function setupTeardownMarks(
  taskId: string,
  options: SetupTeardownOptions,
  explicitTriggerRule: TriggerRule | undefined,
  graph: DagGraph,
): { marks: Pick<DeclaredTask, 'setup' | 'teardown'>; setupRefs: TaskRef[] } {
  const { setup, teardown } = options;
  if (setup !== undefined && typeof setup !== 'boolean') {
    graph.problem({ taskId, field: 'setup', message: `must be true or false, got ${typeof setup}` });
  }
  if (teardown === undefined || teardown === false) {
    return { marks: setup === true ? { setup: true } : {}, setupRefs: [] };
  }
  if (setup === true) {
    graph.problem({ taskId, field: 'teardown', message: 'a task cannot be both a setup and a teardown' });
  }
  if (explicitTriggerRule !== undefined) {
    graph.problem({
      taskId,
      field: 'triggerRule',
      message: `a teardown's trigger rule is fixed (Airflow's all_done_setup_success: it runs when its upstream tasks ended, if a setup succeeded); remove triggerRule '${explicitTriggerRule}'`,
    });
  }
  if (teardown !== true && (typeof teardown !== 'object' || teardown === null)) {
    graph.problem({
      taskId,
      field: 'teardown',
      message: `must be true or { setups, onFailureFailDagrun }, got ${typeof teardown}`,
    });
    return { marks: {}, setupRefs: [] };
  }
  const given = teardown === true ? {} : (teardown as { setups?: unknown; onFailureFailDagrun?: unknown });
  const listed = given.setups === undefined ? [] : Array.isArray(given.setups) ? given.setups : [given.setups];
  const setupRefs: TaskRef[] = [];
  for (const entry of listed) {
    if (entry instanceof TaskRef && entry.graph === graph) setupRefs.push(entry);
    else
      graph.problem({
        taskId,
        field: 'teardown.setups',
        message: 'must list tasks of this DAG (the values their factories returned)',
      });
  }
  const failRun = given.onFailureFailDagrun;
  if (failRun !== undefined && typeof failRun !== 'boolean') {
    graph.problem({
      taskId,
      field: 'teardown.onFailureFailDagrun',
      message: `must be true or false, got ${typeof failRun}`,
    });
  }
  return {
    marks: { teardown: { setups: setupRefs.map((ref) => ref.id).sort(), onFailureFailDagrun: failRun === true } },
    setupRefs,
  };
}
