import { writeSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileDag } from '../compiler/compile-dag.ts';
import { provideSdk } from '../runtime/dag-bundle.ts';
import { collectDags, type Dag } from '../sdk/dag.ts';
import { type Evaluation, RESULT_FD } from './evaluate-dag-source.ts';
import { evaluatedChildren } from './evaluated-children.ts';

/**
 * The evaluating process's side (see evaluate-dag-source.ts): imports the file named by AIRSTEP_EVALUATE, compiles
 * every DAG it exports, and writes the result as JSON to the parent's answer pipe (`RESULT_FD`). Does nothing in a
 * process without that variable.
 */
export async function evaluateIfAsked(): Promise<boolean> {
  const file = process.env.AIRSTEP_EVALUATE;
  if (file === undefined) return false;
  let evaluation: Evaluation;
  try {
    // The shim is on disk already: the parent wrote it (this process may not write).
    provideSdk();
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const dags = collectDags(module);
    evaluation =
      dags.length === 0
        ? { ok: false, error: 'exports no DAG (export default dag({ … }), or export named DAGs)' }
        : {
            ok: true,
            dags: dags.map(evaluatedDag),
          };
  } catch (error) {
    evaluation = { ok: false, error: `import failed: ${(error as Error)?.message ?? String(error)}` };
  }
  // A blocking pipe: each write returns once the parent has room for it.
  const answer = Buffer.from(JSON.stringify(evaluation));
  for (let written = 0; written < answer.length; ) written += writeSync(RESULT_FD, answer, written);
  process.exit(0);
}

/** One DAG as the evaluating process answers it: compiled, with a split DAG's children. */
export function evaluatedDag(dag: Dag): Extract<Evaluation, { ok: true }>['dags'][number] {
  const compiled = compileDag(dag);
  return {
    dagId: dag.id,
    ir: compiled.ir,
    asl: compiled.asl,
    manifest: compiled.manifest,
    problems: compiled.problems,
    ...evaluatedChildren(compiled),
  };
}

/**
 * The evaluating child for a module that calls `evaluateIfAsked` at load (the dag-sync bundle): the module
 * itself, under Node's permission model; a TypeScript source (tests and `stack:local` run the handlers from
 * source on Node 20) loads through tsx, without it.
 */
export function evaluatorOf(moduleUrl: string): { module: string; execArgv?: string[]; sandboxed?: boolean } {
  const module = fileURLToPath(moduleUrl);
  // tsx's loader reads files all over the project and runs in a worker thread: no permission model for it.
  return module.endsWith('.ts') ? { module, execArgv: ['--import', 'tsx/esm'] } : { module, sandboxed: true };
}
