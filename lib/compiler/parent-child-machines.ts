import type { AslState, ChoiceRule, StateMachineDefinition } from './asl-types.ts';
import { CHILD_START_RETRY, childFailureStates } from './child-failure-states.ts';
import { measureDefinition } from './definition-size.ts';
import { emitAsl } from './emit-asl.ts';
import { runHistoryEvents } from './history-estimate.ts';
import type { DagIR } from './ir.ts';
import { cutMachines, MAX_MACHINES, type MachineCut, partsNeeded, type SplitThresholds } from './machine-split.ts';
import { mergedTaskRecords } from './merged-task-records.ts';
import { PLACEHOLDER } from './placeholders.ts';
import { planStructure } from './plan-structure.ts';
import { keyedByRun } from './run-execution-keys.ts';
import { runStateLeaves } from './setup-teardown.ts';
import { type TransitionStats, transitionStats } from './transition-stats.ts';

/**
 * Emits a DAG as a parent state machine and child state machines (see machine-split.ts for when and how they are
 * cut). Each child runs its part of the graph from the run's payload and returns its tasks' records; an edge from
 * another child is a gate keyed by the parent's execution, so gates and signals of every child meet. The parent
 * starts the children at once with `states:startExecution.sync:2` (the console links each child to it) and ends
 * as one machine does: failed when a leaf task failed or its upstream did.
 */

/** The parent's execution ARN in a child's input: gates and signals of the whole run are keyed by it. */
export const RUN_EXECUTION_FIELD = 'runExecutionArn';
/** The field of StartExecution's input that links a child execution to the execution that started it. */
const STARTED_BY = 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID';
export const START_CHILDREN = 'run:parts';

export interface ChildMachine {
  /** `part-01`, …: the child's state machine name is the parent's with `-<name>` added. */
  readonly name: string;
  readonly taskIds: readonly string[];
  readonly definition: StateMachineDefinition;
  readonly definitionBytes: number;
  readonly placeholders: readonly string[];
  readonly transitions: TransitionStats;
}

export interface SplitMachines {
  readonly by: MachineCut['by'];
  readonly parent: StateMachineDefinition;
  readonly children: readonly ChildMachine[];
  /** The run as a whole: every task's transitions, the parent's and children's overhead; history: the largest execution. */
  readonly transitions: TransitionStats;
}

/** The placeholder of a child's ARN in the parent (`${ChildMachineArn_01}` for `part-01`). */
export function childArnPlaceholder(childName: string): string {
  return `${PLACEHOLDER.childMachineArnPrefix}${childName.slice('part-'.length)}`;
}

/**
 * Splits into as few children as keep each under `at`; more when one is still over, up to `MAX_MACHINES` (the
 * limits check then refuses what is still over).
 */
export function splitMachines(
  ir: DagIR,
  openEarly: ReadonlyMap<string, readonly string[]>,
  names: ReadonlyMap<string, string>,
  measured: { readonly definitionBytes: number; readonly historyEvents: number },
  at: SplitThresholds,
): SplitMachines {
  let count = Math.min(partsNeeded(measured, at), MAX_MACHINES, ir.tasks.length);
  for (;;) {
    const split = emitSplit(ir, cutMachines(ir, count), openEarly, names);
    const fits = split.children.every(
      (child) =>
        child.definitionBytes <= at.definitionBytes && taskHistoryEvents(child.transitions) <= at.historyEvents,
    );
    const most = Math.min(MAX_MACHINES, ir.tasks.length);
    if (fits || count >= most) return split;
    count = Math.min(most, Math.ceil(count * 1.5));
  }
}

/** History events of a run but those of mapped items (which stay in one execution wherever the task is). */
export function taskHistoryEvents(stats: Pick<TransitionStats, 'historyEvents' | 'mapped'>): number {
  let events = stats.historyEvents;
  for (const m of Object.values(stats.mapped ?? {})) events -= runHistoryEvents(m);
  return events;
}

function emitSplit(
  ir: DagIR,
  cut: MachineCut,
  openEarly: ReadonlyMap<string, readonly string[]>,
  names: ReadonlyMap<string, string>,
): SplitMachines {
  const partOf = new Map<string, string>();
  for (const part of cut.parts) for (const id of part.taskIds) partOf.set(id, part.name);
  const downstream = new Map<string, string[]>(ir.tasks.map((task) => [task.id, []]));
  for (const task of ir.tasks) for (const up of task.upstream) downstream.get(up)!.push(task.id);
  const byId = new Map(ir.tasks.map((task) => [task.id, task]));

  const children = cut.parts.map((part): ChildMachine => {
    const inPart = new Set(part.taskIds);
    const inside = new Map(part.taskIds.map((id) => [id, byId.get(id)!.upstream.filter((up) => inPart.has(up))]));
    const early = new Map([...openEarly].filter(([id]) => inPart.has(id)));
    const plan = planStructure(part.taskIds, inside, early);
    // An upstream task in another child is waited for at a gate, beside the edges the nesting cut.
    const cutEdges = new Map(plan.cutEdges);
    for (const id of part.taskIds) {
      const outside = byId.get(id)!.upstream.filter((up) => !inPart.has(up));
      if (outside.length === 0) continue;
      cutEdges.set(id, [...(cutEdges.get(id) ?? []), ...outside].sort());
    }
    const signals = new Set(part.taskIds.filter((id) => downstream.get(id)!.some((down) => !inPart.has(down))));
    const runExecutionPath = `$$.Execution.Input.${RUN_EXECUTION_FIELD}`;
    const definition = keyedByRun(emitAsl(ir, { ...plan, cutEdges }, { signals, runExecutionPath }), runExecutionPath);
    const { bytes, placeholders } = measureDefinition(definition);
    const tasks = ir.tasks.filter((task) => inPart.has(task.id));
    return {
      name: part.name,
      taskIds: part.taskIds,
      definition,
      definitionBytes: bytes,
      placeholders,
      transitions: transitionStats({ ...ir, tasks }, definition, names),
    };
  });

  const parent = parentDefinition(ir, children, downstream);
  const parentStats = transitionStats({ ...ir, tasks: [] }, parent, names);
  // Each child's start is one Task state of the parent (6 history events: entered … exited); each child ends
  // in its own Succeed state.
  const starts = children.length;
  const perTask: Record<string, TransitionStats['perTask'][string]> = {};
  const mapped: NonNullable<TransitionStats['mapped']> = {};
  let overhead = parentStats.overhead + 2 * starts;
  for (const child of children) {
    overhead += child.transitions.overhead;
    Object.assign(mapped, child.transitions.mapped ?? {});
  }
  for (const task of ir.tasks) {
    const child = children.find((c) => c.transitions.perTask[task.id] !== undefined)!;
    perTask[task.id] = child.transitions.perTask[task.id]!;
  }
  let total = overhead;
  for (const figures of Object.values(perTask)) total += figures.transitions + (figures.perItem ?? 0);
  const historyEvents = Math.max(
    parentStats.historyEvents + starts * 6,
    ...children.map((child) => child.transitions.historyEvents),
  );
  return {
    by: cut.by,
    parent,
    children,
    transitions: {
      perTask,
      overhead,
      total,
      historyEvents,
      ...(Object.keys(mapped).length > 0 ? { mapped } : {}),
    },
  };
}

/** One Parallel starting every child and merging the records they return, then the run's result. */
function parentDefinition(
  ir: DagIR,
  children: readonly ChildMachine[],
  downstream: ReadonlyMap<string, readonly string[]>,
): StateMachineDefinition {
  const keyOf = new Map(ir.tasks.map((task) => [task.id, task.key]));
  const branches = children.map((child) => {
    const start = `run:${child.name}`;
    // A child that fails, is stopped or does not start ends as records, not as a failed Parallel.
    const inChild = new Set(child.taskIds);
    const failure = childFailureStates({
      dagId: ir.dagId,
      child: child.name,
      startState: start,
      keys: child.taskIds.map((id) => keyOf.get(id)!),
      awaited: child.taskIds.filter((id) => downstream.get(id)!.some((down) => !inChild.has(down))),
    });
    const state: AslState = {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: {
        StateMachineArn: `\${${childArnPlaceholder(child.name)}}`,
        Input: {
          'ctx.$': '$.ctx',
          tasks: {},
          gates: {},
          [`${RUN_EXECUTION_FIELD}.$`]: '$$.Execution.Id',
          [`${STARTED_BY}.$`]: '$$.Execution.Id',
        },
      },
      // `.sync:2` answers DescribeExecution with the child's output as JSON: keep its tasks' records.
      ResultSelector: { 'ctx.$': '$.Output.ctx', 'tasks.$': '$.Output.tasks' },
      Retry: [CHILD_START_RETRY],
      Catch: [failure.catcher],
      End: true,
    };
    return { StartAt: start, States: { [start]: state, ...failure.states } };
  });
  const merged = mergedTaskRecords(children.length);
  const leaves = runStateLeaves(ir.tasks, downstream);
  const failedLeaf: ChoiceRule[] = leaves.map((task) => ({
    Or: [
      { Variable: `$.tasks.${task.key}.state`, StringEquals: 'failed' },
      { Variable: `$.tasks.${task.key}.state`, StringEquals: 'upstream_failed' },
    ],
  }));
  return {
    Comment: `Airstep DAG ${ir.dagId}${ir.description !== undefined ? `: ${ir.description}` : ''} (runs its tasks in ${children.length} child state machines)`,
    StartAt: START_CHILDREN,
    ...(ir.dagrunTimeoutSeconds !== undefined ? { TimeoutSeconds: ir.dagrunTimeoutSeconds } : {}),
    States: {
      [START_CHILDREN]: {
        Type: 'Parallel',
        Branches: branches,
        ResultSelector: { 'ctx.$': '$[0].ctx', 'tasks.$': merged, gates: {} },
        ResultPath: '$',
        Next: 'run:result',
      },
      'run:result': {
        Type: 'Choice',
        Choices: [{ ...(failedLeaf.length === 1 ? failedLeaf[0]! : { Or: failedLeaf }), Next: 'run:failed' }],
        Default: 'run:succeeded',
      },
      'run:succeeded': { Type: 'Succeed' },
      'run:failed': {
        Type: 'Fail',
        Error: 'DagRunFailed',
        Cause: `a leaf task of DAG ${ir.dagId} failed or its upstream failed; see the task states`,
      },
    },
  };
}
