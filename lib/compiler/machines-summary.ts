import { checkLimits, countStates, type LimitProblem } from './limits.ts';
import type { SplitMachines } from './parent-child-machines.ts';

/** What the manifest says of a DAG split into a parent and children: why, how it was cut, and each child's figures. */
export interface MachinesSummary {
  /** Why one machine did not do (`compile` prints it). */
  readonly why: string;
  /** Cut by whole task groups, or by the graph's topological order. */
  readonly by: 'group' | 'graph';
  readonly children: ReadonlyArray<{
    readonly name: string;
    readonly taskIds: readonly string[];
    readonly states: number;
    readonly definitionBytes: number;
    /** About how many history events its execution writes (each execution holds at most 25,000). */
    readonly historyEvents: number;
  }>;
}

export function machinesSummary(split: SplitMachines, why: string): MachinesSummary {
  return {
    why,
    by: split.by,
    children: split.children.map((child) => ({
      name: child.name,
      taskIds: child.taskIds,
      states: countStates(child.definition).total,
      definitionBytes: child.definitionBytes,
      historyEvents: child.transitions.historyEvents,
    })),
  };
}

/** The quotas each child must fit, as for one machine, said of the child (its tasks named when a mapping is over). */
export function splitLimitProblems(split: SplitMachines): LimitProblem[] {
  return split.children.flatMap((child) =>
    checkLimits(child.definitionBytes, child.transitions, child.taskIds.length).map((problem) => ({
      ...problem,
      message: `child state machine ${child.name} (of ${split.children.length}): ${problem.message}`,
    })),
  );
}
