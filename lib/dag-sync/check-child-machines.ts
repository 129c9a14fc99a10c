import { LIMITS } from '../compiler/limits.ts';
import { PLACEHOLDER } from '../compiler/placeholders.ts';
import type { EvaluatedChild } from './evaluated-children.ts';

/**
 * dag-sync's check of the child state machines an evaluation claims for a split DAG (see check-compiled-dag.ts
 * for why the answer is not trusted): the children are exactly those the parent starts (each
 * `${ChildMachineArn_NN}` of the parent has its `part-NN`, and no child is left unstarted), each is JSON within
 * Step Functions' size quota, and its states pass the same check as a parent's, except that a child starts no
 * state machine. Problems are `child <part> › …`, after the DAG's location.
 */
export function childMachineProblems(
  parentAsl: string,
  children: readonly EvaluatedChild[] | undefined,
  split: boolean,
  statesProblems: (definition: unknown) => string[],
): string[] {
  const started = new Set(
    [...parentAsl.matchAll(new RegExp(`\\$\\{${PLACEHOLDER.childMachineArnPrefix}([0-9]+)\\}`, 'g'))].map(
      (match) => `part-${match[1]}`,
    ),
  );
  const problems: string[] = [];
  if (!split) {
    if ((children ?? []).length > 0) problems.push('children: a DAG in one state machine has no child state machines');
    return problems;
  }
  const names = new Set((children ?? []).map((child) => child.name));
  for (const name of [...started].sort()) {
    if (!names.has(name)) problems.push(`child ${name}: the parent starts it, but it was not compiled`);
  }
  const seen = new Set<string>();
  for (const child of children ?? []) {
    const at = `child ${child.name}`;
    if (seen.has(child.name)) problems.push(`${at}: defined twice`);
    seen.add(child.name);
    if (!started.has(child.name)) problems.push(`${at}: the parent does not start it`);
    const bytes = Buffer.byteLength(child.asl);
    if (bytes > LIMITS.definitionBytes) {
      problems.push(`${at} › definition: ${bytes} bytes, over Step Functions' ${LIMITS.definitionBytes}`);
    }
    let definition: unknown;
    try {
      definition = JSON.parse(child.asl);
    } catch {
      problems.push(`${at} › definition: not JSON`);
      continue;
    }
    problems.push(...statesProblems(definition).map((problem) => `${at} › ${problem}`));
  }
  return problems;
}
