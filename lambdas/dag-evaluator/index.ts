import { Logger } from '@aws-lambda-powertools/logger';
import { evaluateIfAsked, evaluatorOf } from '../../lib/dag-sync/dag-evaluator.ts';
import { evaluateDagFile } from '../../lib/dag-sync/evaluate-dag-file.ts';
import { type PackedEvaluation, packEvaluation } from '../../lib/dag-sync/evaluation-wire.ts';

// This bundle is also the evaluating child process it starts for each DAG file (AIRSTEP_EVALUATE set): there
// `evaluateIfAsked` answers and exits, and nothing below runs.
await evaluateIfAsked();

const logger = new Logger();

/**
 * Evaluates one DAG file for dag-sync, which invokes this function synchronously with `{ file, source }` and
 * checks the answer before it deploys anything; the answer is packed (gzip) to fit Lambda's 6 MB. The function's role may only write its own logs: DAG code runs
 * here (in a child process without even those credentials), never beside dag-sync's permission to deploy.
 */
export const handler = async (request: unknown): Promise<PackedEvaluation> => {
  const evaluation = await evaluateDagFile(request, evaluatorOf(import.meta.url));
  const file = (request as { file?: unknown } | null)?.file;
  logger.info('evaluated', {
    file: typeof file === 'string' ? file : undefined,
    ...(evaluation.ok ? { dags: evaluation.dags.map((compiled) => compiled.dagId) } : { error: evaluation.error }),
  });
  return packEvaluation(evaluation);
};
