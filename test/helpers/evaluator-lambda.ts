import { resolve } from 'node:path';
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { RunningEmulator } from '../../lib/emulator/launcher.ts';
import { emulatorCredentials } from '../../localstack/stack-tables.ts';
import { lambdaPackage } from '../cli/lambda-package.ts';

/**
 * The evaluator Lambda (`lambdas/dag-evaluator`) deployed on MiniStack, which runs Node Lambda code on this
 * machine's Node: dag-sync's Invoke reaches the very bundle the construct deploys (built the same way, with the
 * AWS SDK inside). Resolves once the function is Active; gives its name and a client for it.
 */
export async function deployEvaluatorLambda(
  ministack: RunningEmulator,
  functionName = 'airstep-dag-evaluator',
): Promise<{ functionName: string; lambda: LambdaClient }> {
  const lambda = new LambdaClient({
    endpoint: ministack.endpoint,
    region: 'us-east-1',
    credentials: emulatorCredentials,
  });
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: functionName,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/airstep-dag-evaluator',
      Code: { ZipFile: await lambdaPackage('lambdas/dag-evaluator/index.ts') },
      Timeout: 60,
      MemorySize: 1769,
      // Lambda's Node runtime sets NODE_PATH to where its AWS SDK is; here that is the project's copy, so DAG
      // files that import the SDK evaluate as on AWS.
      Environment: { Variables: { NODE_PATH: resolve('node_modules') } },
    }),
  );
  for (;;) {
    const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: functionName }));
    if (Configuration?.State === 'Active') break;
    if (Configuration?.State === 'Failed')
      throw new Error(`the evaluator function failed: ${Configuration.StateReason}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { functionName, lambda };
}
