import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileDag } from '../compiler/compile-dag.ts';
import { localRunProblems } from '../local/container-tasks.ts';
import type { FindTarget, TriggerTarget } from '../local/local-dag-trigger.ts';
import { formatProblem } from '../sdk/errors.ts';
import { dagFilesUnder, displayPath, loadDagFile } from './load-dags.ts';

/** Where `airstep list` looks for DAG files when given no path. */
const PROJECT_DAGS = 'dags';

/**
 * Finds the DAG a `triggerDag` step starts, locally: first in the file of the run that triggers it (DAGs declared
 * side by side, as in dags/examples/cross_dag.ts), then in the project's DAG files (those `airstep list` reads:
 * every DAG file under `dags/`), loaded once per process. A DAG found but not runnable here (its compile problems,
 * a container task) is not a target either; the answer says why, and a DAG not found says where it was looked for.
 */
export function projectDagFinder(triggeringFile: string): FindTarget {
  const found = new Map<string, Promise<Awaited<ReturnType<FindTarget>>>>();
  const find: FindTarget = async (dagId) => {
    const files = [resolve(triggeringFile)];
    if (existsSync(PROJECT_DAGS))
      for (const file of await dagFilesUnder(PROJECT_DAGS))
        if (!files.includes(resolve(file))) files.push(resolve(file));
    for (const file of files) {
      const loaded = await loadDagFile(file);
      const dag = loaded.dags.find((candidate) => candidate.id === dagId);
      if (dag === undefined) continue;
      const compiled = compileDag(dag, { file: loaded.file });
      const problems = [...compiled.problems, ...localRunProblems(compiled.ir, loaded.file)];
      if (problems.length > 0) return { ok: false, problems: problems.map(formatProblem) };
      const target: TriggerTarget = {
        dag,
        file: loaded.file,
        ir: compiled.ir,
        ...(compiled.manifest !== undefined ? { manifest: compiled.manifest } : {}),
      };
      return { ok: true, target };
    }
    return {
      ok: false,
      problems: [
        `no DAG '${dagId}' in ${displayPath(resolve(triggeringFile))} or the DAG files under ${PROJECT_DAGS}/ ` +
          `(${files.length} file(s) looked at, as airstep list finds them)`,
      ],
    };
  };
  return (dagId) => {
    let answer = found.get(dagId);
    if (answer === undefined) {
      answer = find(dagId);
      found.set(dagId, answer);
    }
    return answer;
  };
}
