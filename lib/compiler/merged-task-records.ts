import type { StateMachineDefinition } from './asl-types.ts';
import type { LimitProblem } from './limits.ts';

/**
 * A Parallel's branches each return the run's task records with their own tasks' added; the ResultSelector merges
 * them back into one object with `States.JsonMerge`, which takes two objects. Step Functions nests at most 10
 * intrinsic functions within a field (AWS's intrinsic functions page), so the merges form a balanced tree, not a
 * chain: n branches need ⌈log2 n⌉ levels, and 10 levels merge at most 1,024 branches.
 */
export const MAX_INTRINSIC_NESTING = 10;
export const MAX_MERGED_BRANCHES = 2 ** MAX_INTRINSIC_NESTING;

/** `$[0].tasks` … `$[n-1].tasks` merged in a tree of `States.JsonMerge` at most ⌈log2 n⌉ deep. */
export function mergedTaskRecords(branches: number): string {
  const merge = (from: number, to: number): string => {
    if (to - from === 1) return `$[${from}].tasks`;
    const middle = from + Math.ceil((to - from) / 2);
    return `States.JsonMerge(${merge(from, middle)}, ${merge(middle, to)}, false)`;
  };
  return merge(0, branches);
}

/** A Parallel with more branches than one field's merges can join (only `empty`-like tasks are small enough). */
export function wideParallelProblems(definition: StateMachineDefinition): LimitProblem[] {
  const problems: LimitProblem[] = [];
  const visit = (states: Readonly<Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      const s = state as {
        Type?: string;
        Branches?: Array<{ States: Record<string, unknown> }>;
        ItemProcessor?: { States: Record<string, unknown> };
        Iterator?: { States: Record<string, unknown> };
      };
      if (s.Type === 'Parallel' && s.Branches !== undefined) {
        if (s.Branches.length > MAX_MERGED_BRANCHES)
          problems.push({
            field: 'tasks',
            message:
              `state ${name} runs ${s.Branches.length} branches side by side; their task records are merged with ` +
              `nested States.JsonMerge, and Step Functions nests at most ${MAX_INTRINSIC_NESTING} intrinsic functions ` +
              `in a field (${MAX_MERGED_BRANCHES} branches); group the tasks with taskGroup(), or split the DAG`,
          });
        for (const branch of s.Branches) visit(branch.States);
      }
      const inner = s.ItemProcessor ?? s.Iterator;
      if (inner !== undefined) visit(inner.States);
    }
  };
  visit(definition.States as Readonly<Record<string, unknown>>);
  return problems;
}
