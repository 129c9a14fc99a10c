import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { BUNDLE_ROOT } from '../runtime/dag-bundle.ts';
import { replaceFile } from '../runtime/replace-file.ts';
import { type EvaluateLimits, type Evaluation, evaluateDagSource } from './evaluate-dag-source.ts';

/** What dag-sync sends the evaluator Lambda: the file's key (for messages) and its JavaScript (types stripped). */
export interface EvaluateRequest {
  readonly file: string;
  readonly source: string;
}

const requestSchema = z.object({ file: z.string().min(1).max(1024), source: z.string() });

/**
 * The evaluator Lambda's work for one request: the source is written under the bundle folder (the only place an
 * evaluating process may read DAG code from) and evaluated in a child process with limits (evaluate-dag-source.ts).
 * Each file gets a process of its own, so a file cannot leave globals behind for the next file this container
 * evaluates. A request that is not one is answered as an import error, never thrown.
 */
export async function evaluateDagFile(
  request: unknown,
  evaluator: Parameters<typeof evaluateDagSource>[1],
  limits?: EvaluateLimits,
): Promise<Evaluation> {
  const parsed = requestSchema.safeParse(request);
  if (!parsed.success)
    return { ok: false, error: `the evaluator was sent a malformed request (${parsed.error.message})` };
  const { file, source } = parsed.data;
  const digest = createHash('sha256').update(file).update('\n').update(source).digest('hex').slice(0, 16);
  const path = join(BUNDLE_ROOT, 'sources', digest, `${basename(file).replace(/\.[^.]+$/, '')}.mjs`);
  await mkdir(join(path, '..'), { recursive: true });
  await replaceFile(path, source);
  return evaluateDagSource(path, evaluator, limits);
}
