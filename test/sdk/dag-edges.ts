import { compileDag } from '../../lib/compiler/compile-dag.ts';
import type { Dag } from '../../lib/sdk/dag.ts';
import { formatProblem } from '../../lib/sdk/errors.ts';

/** A DAG's dependencies as the compiler resolves them (groups expanded), as sorted `up -> down` strings. */
export function edgesOf(d: Dag): string[] {
  return compileDag(d)
    .ir.tasks.flatMap((task) => task.upstream.map((up) => `${up} -> ${task.id}`))
    .sort();
}

/** Every problem validation would report for a DAG, formatted as `airstep validate` prints them. */
export function problemsOf(d: Dag): string[] {
  return compileDag(d).problems.map(formatProblem);
}

export const noop = async (): Promise<null> => null;
