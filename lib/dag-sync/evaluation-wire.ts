import { gunzipSync, gzipSync } from 'node:zlib';
import { type Evaluation, parseEvaluation } from './evaluate-dag-source.ts';

/**
 * The evaluator Lambda's answer to dag-sync: the evaluation as gzip, in base64. Lambda answers a synchronous
 * Invoke with at most 6 MB, and a DAG split into child state machines answers their ASL besides the parent's, IR
 * and manifest: `dbt_like_models` (1,200 models) is 4.5 MB of JSON, 0.28 MB packed. ASL repeats itself, so gzip
 * keeps DAGs several times larger than that within the limit.
 */
export interface PackedEvaluation {
  readonly gzipBase64: string;
}

/** How much JSON an answer may unpack to: far over any DAG the quotas let deploy, and a bound on memory. */
const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;

export function packEvaluation(evaluation: Evaluation): PackedEvaluation {
  return { gzipBase64: gzipSync(JSON.stringify(evaluation)).toString('base64') };
}

/** The evaluation in a packed answer, checked as any evaluating process's answer is (`parseEvaluation`). */
export function unpackEvaluation(text: string): Evaluation {
  let packed: unknown;
  try {
    packed = JSON.parse(text);
  } catch {
    return { ok: false, error: `the evaluator answered something that is not JSON (${text.length} characters)` };
  }
  const data = (packed as Partial<PackedEvaluation> | null)?.gzipBase64;
  if (typeof data !== 'string') return { ok: false, error: 'the evaluator answered without its packed evaluation' };
  let json: string;
  try {
    json = gunzipSync(Buffer.from(data, 'base64'), { maxOutputLength: MAX_UNPACKED_BYTES }).toString('utf8');
  } catch (error) {
    return { ok: false, error: `the evaluator's answer does not unpack (${(error as Error).message})` };
  }
  return parseEvaluation(json);
}
