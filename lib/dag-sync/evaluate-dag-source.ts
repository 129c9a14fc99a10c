import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { CompiledDag } from '../compiler/compile-dag.ts';
import { DAG_ID } from '../compiler/option-schemas.ts';
import { StderrTail } from '../runtime/child-process.ts';
import { awsSdkModules, BUNDLE_ROOT, writeSdkShim } from '../runtime/dag-bundle.ts';
import { type EvaluatedChild, evaluatedChildrenSchema } from './evaluated-children.ts';

/** What evaluating a DAG file gives: each DAG compiled, or the import error. */
export type Evaluation =
  | {
      readonly ok: true;
      readonly dags: ReadonlyArray<
        Pick<CompiledDag, 'asl' | 'manifest' | 'problems'> & {
          dagId: string;
          ir: CompiledDag['ir'];
          children?: readonly EvaluatedChild[];
        }
      >;
    }
  | { readonly ok: false; readonly error: string };

export interface EvaluateLimits {
  /** @default 30_000 */
  readonly timeoutMs?: number;
  /** V8 heap limit of the evaluating process. @default 256 */
  readonly maxOldSpaceMb?: number;
  /** The most bytes of answer taken from the evaluating process. @default 16 MiB */
  readonly maxResultBytes?: number;
}

/**
 * The evaluating process answers on this descriptor, once, as JSON (see dag-evaluator.ts). Not Node's IPC
 * channel: the parent parses that channel itself, so a child writing garbage to it throws in the parent, outside
 * any handler, and a message of any length is buffered whole.
 */
export const RESULT_FD = 3;

/**
 * Imports and compiles a DAG module in a separate Node process (the module at `evaluator`, started with
 * `AIRSTEP_EVALUATE=<file>`), with a time and a memory limit: a DAG file that loops forever, exhausts memory or
 * calls `process.exit` at import fails alone, as an import error, and the caller goes on with other files. So
 * does one whose answer is not JSON, is malformed or larger than `maxResultBytes`: the answer is parsed here, from
 * a pipe of its own, never trusted (dag-sync then checks what it claims, see check-compiled-dag.ts). The process gets none of the caller's credentials and, `sandboxed`, runs under Node's permission model (see
 * `sandboxFlags`).
 */
export async function evaluateDagSource(
  file: string,
  evaluator: { readonly module: string; readonly execArgv?: readonly string[]; readonly sandboxed?: boolean },
  limits: EvaluateLimits = {},
): Promise<Evaluation> {
  // Airflow's `dagbag_import_timeout` default. It counts from the process's spawn, so a slow cold start on a busy
  // host eats into it: 10 s turned a plain file into an import error on a loaded machine.
  const timeoutMs = limits.timeoutMs ?? 30_000;
  const maxBytes = limits.maxResultBytes ?? 16 * 1024 * 1024;
  await writeSdkShim();
  const sandbox = evaluator.sandboxed === true ? sandboxFlags(evaluator.module) : [];
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        ...sandbox,
        ...(evaluator.execArgv ?? []),
        `--max-old-space-size=${limits.maxOldSpaceMb ?? 256}`,
        evaluator.module,
      ],
      { env: { ...evaluatorEnv(process.env), AIRSTEP_EVALUATE: file }, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
    );
    const stderr = new StderrTail(child.stderr);
    const answer = child.stdio[RESULT_FD] as Readable;
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const settle = (evaluation: Evaluation) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      answer.destroy();
      resolve(evaluation);
    };
    const timer = setTimeout(
      () => settle({ ok: false, error: `import did not finish within ${timeoutMs / 1000} s (a loop at import?)` }),
      timeoutMs,
    );
    answer.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        settle({ ok: false, error: `the evaluating process answered more than ${maxBytes} bytes` });
        return;
      }
      chunks.push(chunk);
    });
    answer.on('error', () => {
      // The pipe breaks when the child is killed; the exit says why.
    });
    child.on('error', (error) => settle({ ok: false, error: `cannot start the evaluating process: ${error.message}` }));
    // After the exit and the end of its streams: the whole answer has been read.
    child.on('close', (code, signal) => {
      if (bytes === 0 || code !== 0) {
        settle({
          ok: false,
          error: `import ended the evaluating process (${signal ?? `exit code ${code}`})${stderr.outOfMemoryNote()}: ${stderr.lastLines(3)}`,
        });
        return;
      }
      settle(parseEvaluation(Buffer.concat(chunks).toString('utf8')));
    });
  });
}

const problemSchema = z.object({
  message: z.string(),
  file: z.string().optional(),
  dagId: z.string().optional(),
  taskId: z.string().optional(),
  field: z.string().optional(),
});

/**
 * What dag-sync reads of an evaluating process's answer, checked before it is used. DAG code ran in that process,
 * so this is the shape only: `checkCompiledDags` judges what the DAGs would do.
 */
const evaluationSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    dags: z
      .array(
        z.object({
          dagId: z.string().regex(DAG_ID),
          ir: z.looseObject({
            dagId: z.string(),
            schedule: z.looseObject({}),
            maxActiveRuns: z.number().int().positive(),
            params: z.record(z.string(), z.unknown()),
            tasks: z.array(z.looseObject({ key: z.string(), id: z.string() })),
          }),
          asl: z.string().optional(),
          manifest: z
            .looseObject({
              dagId: z.string(),
              compute: z.looseObject({ containers: z.array(z.looseObject({ taskKey: z.string() })) }),
            })
            .optional(),
          problems: z.array(problemSchema),
          children: evaluatedChildrenSchema.optional(),
        }),
      )
      .min(1),
  }),
  z.object({ ok: z.literal(false), error: z.string().max(4000) }),
]);

/** The evaluating process's answer, or an import error saying why it cannot be read. */
export function parseEvaluation(text: string): Evaluation {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      ok: false,
      error: `the evaluating process answered something that is not JSON (${text.length} characters)`,
    };
  }
  const parsed = evaluationSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.length > 0 ? issue.path.join('.') : 'answer';
    return { ok: false, error: `the evaluating process answered a malformed result (${path}: ${issue.message})` };
  }
  // The checked fields are typed; the rest of the IR and manifest is the compiler's (the worker reads the manifest).
  return parsed.data as Evaluation;
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
