import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { EvaluateRequest } from './evaluate-dag-file.ts';
import type { Evaluation } from './evaluate-dag-source.ts';
import { unpackEvaluation } from './evaluation-wire.ts';

/** Evaluates one DAG file somewhere DAG code cannot reach dag-sync, and answers what it compiled to. */
export type DagEvaluator = (request: EvaluateRequest) => Promise<Evaluation>;

/**
 * Lambda takes at most 6 MB in a synchronous request, and answers at most 6 MB: a larger file is an import error
 * here rather than a failed Invoke that SQS would deliver again and again. The answer comes packed
 * (evaluation-wire.ts), so what a DAG compiles to may be larger than that.
 */
export const MAX_EVALUATE_REQUEST_BYTES = 6 * 1024 * 1024 - 1024;

/**
 * The evaluator Lambda, invoked synchronously. Whatever it answers is DAG code's doing until checked: the payload
 * is unpacked and parsed like the evaluating process's own answer (`parseEvaluation`), and a function error (the file killed,
 * flooded or timed out its evaluator) is an import error for that file. Errors of the Invoke itself (throttling,
 * a network fault) are thrown: the sync fails and SQS delivers the event again.
 */
export function lambdaEvaluator(lambda: LambdaClient, functionName: string): DagEvaluator {
  return async (request) => {
    const payload = JSON.stringify(request);
    if (Buffer.byteLength(payload) > MAX_EVALUATE_REQUEST_BYTES) {
      return {
        ok: false,
        error: `the file is larger than the evaluator takes (${Math.floor(MAX_EVALUATE_REQUEST_BYTES / 1024)} KiB of JavaScript)`,
      };
    }
    const answer = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: payload }),
    );
    const text = answer.Payload === undefined ? '' : Buffer.from(answer.Payload).toString('utf8');
    if (answer.FunctionError !== undefined)
      return { ok: false, error: `the evaluator failed: ${functionErrorOf(text)}` };
    return unpackEvaluation(text);
  };
}

/** Lambda's error payload (`{"errorType":"Runtime.ExitError","errorMessage":"…"}`) as one line. */
function functionErrorOf(text: string): string {
  try {
    const { errorType, errorMessage } = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown };
    const message = [errorType, errorMessage].filter((part) => typeof part === 'string').join(': ');
    if (message !== '') return message.slice(0, 1000);
  } catch {
    // Not JSON: shown as is, shortened.
  }
  return text.slice(0, 1000) || 'no answer';
}
