import { dirname } from 'node:path';
import type { CompiledDag } from '../compiler/compile-dag.ts';
import { forkWithStderrTail } from '../runtime/child-process.ts';
import { awsSdkModules, BUNDLE_ROOT, writeSdkShim } from '../runtime/dag-bundle.ts';

/** What evaluating a DAG file gives: each DAG compiled, or the import error. */
export type Evaluation =
  | {
      readonly ok: true;
      readonly dags: ReadonlyArray<
        Pick<CompiledDag, 'asl' | 'manifest' | 'problems'> & { dagId: string; ir: CompiledDag['ir'] }
      >;
    }
  | { readonly ok: false; readonly error: string };

export interface EvaluateLimits {
  /** @default 10_000 */
  readonly timeoutMs?: number;
  /** V8 heap limit of the evaluating process. @default 256 */
  readonly maxOldSpaceMb?: number;
}

/**
 * Imports and compiles a DAG module in a separate Node process (the module at `evaluator`, started with
 * `AIRSTEP_EVALUATE=<file>`), with a time and a memory limit: a DAG file that loops forever, exhausts memory or
 * calls `process.exit` at import fails alone, as an import error, and the caller goes on with other files.
 * The process gets none of the caller's credentials and, `sandboxed`, runs under Node's permission model (see
 * `sandboxFlags`).
 */
export async function evaluateDagSource(
  file: string,
  evaluator: { readonly module: string; readonly execArgv?: readonly string[]; readonly sandboxed?: boolean },
  limits: EvaluateLimits = {},
): Promise<Evaluation> {
  const timeoutMs = limits.timeoutMs ?? 10_000;
  await writeSdkShim();
  const sandbox = evaluator.sandboxed === true ? sandboxFlags(evaluator.module) : [];
  return new Promise((resolve) => {
    const { child, stderr } = forkWithStderrTail(evaluator.module, [], {
      env: { ...evaluatorEnv(process.env), AIRSTEP_EVALUATE: file },
      execArgv: [...sandbox, ...(evaluator.execArgv ?? []), `--max-old-space-size=${limits.maxOldSpaceMb ?? 256}`],
      stdout: 'ignore',
    });
    let settled = false;
    const settle = (evaluation: Evaluation) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      resolve(evaluation);
    };
    const timer = setTimeout(
      () => settle({ ok: false, error: `import did not finish within ${timeoutMs / 1000} s (a loop at import?)` }),
      timeoutMs,
    );
    child.on('message', (message: Evaluation) => settle(message));
    child.on('exit', (code, signal) => {
      settle({
        ok: false,
        error: `import ended the evaluating process (${signal ?? `exit code ${code}`})${stderr.outOfMemoryNote()}: ${stderr.lastLines(3)}`,
      });
    });
  });
}

/**
 * The variables an evaluating process gets: what Node needs to run and resolve modules, never the caller's.
 * On Lambda the function's credentials are environment variables; a DAG file runs arbitrary code at import, so
 * anyone who may write `dags/` could otherwise act with dag-sync's role. The runtime API address goes too.
 */
function evaluatorEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of EVALUATOR_ENV) {
    const value = env[name];
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}
const EVALUATOR_ENV = ['PATH', 'HOME', 'TMPDIR', 'TZ', 'LANG', 'LC_ALL', 'NODE_PATH', 'NO_COLOR', 'AWS_REGION'];

/**
 * Node's permission model for the evaluating process: it may read only the evaluator's own folder, the bundle
 * folder (the DAG file and the `airstep` shim) and the AWS SDK's modules, and may write nothing, start no process
 * and no worker thread. So DAG code cannot read the parent's environment through `/proc`, nor change the shim or
 * the sources other DAG files are evaluated from. Node calls this model a seat belt, not a sandbox for hostile
 * code: who may write `dags/` is trusted to deploy DAGs.
 */
function sandboxFlags(module: string): string[] {
  const permission = process.allowedNodeEnvironmentFlags.has('--permission')
    ? '--permission'
    : '--experimental-permission';
  const readable = [dirname(module), BUNDLE_ROOT, awsSdkModules()].filter((path) => path !== undefined);
  return [permission, ...readable.map((path) => `--allow-fs-read=${path}/`)];
}
