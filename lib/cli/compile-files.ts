import { relative } from 'node:path';
import { type CompiledDag, compileDag } from '../compiler/compile-dag.ts';
import type { Problem } from '../sdk/errors.ts';
import { type LoadedDagFile, loadDagPaths } from './load-dags.ts';

export interface CompiledFile {
  readonly file: string;
  readonly loaded: LoadedDagFile;
  readonly compiled: CompiledDag[];
  /** Import errors and every DAG's problems, with file, DAG, task and field. */
  readonly problems: Problem[];
}

/** Loads and compiles every DAG under `paths`; a DAG id used twice is a problem in the second file. */
export async function compileFiles(paths: readonly string[], dagsRoot = 'dags'): Promise<CompiledFile[]> {
  const loaded = await loadDagPaths(paths);
  const seen = new Map<string, string>();
  return loaded.map((file) => {
    const problems: Problem[] = file.errors.map((error) => ({
      file: error.line !== undefined ? `${error.file}:${error.line}` : error.file,
      message: error.message,
    }));
    const compiled = file.dags.map((dag) => {
      const result = compileDag(dag, { file: file.file, bundleEntry: bundleEntry(file.file, dagsRoot) });
      problems.push(...result.problems);
      const other = seen.get(result.ir.dagId);
      if (other !== undefined) {
        problems.push({
          file: file.file,
          dagId: result.ir.dagId,
          field: 'id',
          message: `DAG id already used in ${other}`,
        });
      } else {
        seen.set(result.ir.dagId, file.file);
      }
      return result;
    });
    return { file: file.file, loaded: file, compiled, problems };
  });
}

function bundleEntry(file: string, dagsRoot: string): string {
  const rel = relative(dagsRoot, file);
  return (rel.startsWith('..') ? file : rel).split('\\').join('/');
}
