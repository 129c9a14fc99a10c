import { z } from 'zod';
import type { CompiledDag } from '../compiler/compile-dag.ts';
import { MAX_MACHINES } from '../compiler/machine-split.ts';

/** A child state machine of a split DAG, as the evaluating process answers it: its name and its ASL. */
export interface EvaluatedChild {
  /** `part-01`, …: the parent's `${ChildMachineArn_01}` starts it. */
  readonly name: string;
  readonly asl: string;
}

/**
 * The children of a compiled DAG for the evaluator's answer, their ASL as compact JSON: the answer goes back
 * through Lambda's synchronous response (6 MB at most), and indenting a child of a thousand tasks more than
 * doubles it (`dbt_like_models`, 1,200 models in 4 children: 4.5 MB compact, 11 MB indented).
 */
export function evaluatedChildren(compiled: Pick<CompiledDag, 'asl' | 'children'>): { children?: EvaluatedChild[] } {
  if (compiled.asl === undefined || compiled.children === undefined) return {};
  return {
    children: compiled.children.map((child) => ({ name: child.name, asl: JSON.stringify(child.definition) })),
  };
}

/** What dag-sync takes of the answer's children (their content is judged by checkCompiledDags). */
export const evaluatedChildrenSchema = z
  .array(z.object({ name: z.string().regex(/^part-[0-9]{2,}$/), asl: z.string() }))
  .max(MAX_MACHINES);
