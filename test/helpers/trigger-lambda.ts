import { readFile } from 'node:fs/promises';
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { RunningEmulator } from '../../lib/emulator/launcher.ts';
import { emulatorCredentials } from '../../localstack/stack-tables.ts';
import { lambdaPackage, zipPackage } from '../cli/lambda-package.ts';
import { triggerEnv } from './trigger-env.ts';

/**
 * The trigger Lambda (`lambdas/trigger`, bundled as the construct bundles it) deployed on MiniStack, which runs
 * Node Lambda code, with its DynamoDB, Step Functions and SQS calls sent to `services` (moto, say) or to MiniStack
 * itself: a caller's Invoke reaches the very handler the schedules invoke. Resolves once the function is Active,
 * with its ARN; rejects, naming the function, when it fails or does not become Active (activeFunctionArn).
 */
export async function deployTriggerLambda(
  ministack: RunningEmulator,
  settings: {
    readonly tables: { readonly dags: string; readonly runs: string; readonly queuedRuns: string };
    readonly failedEventsQueueUrl: string;
    /** Where the function's DynamoDB, Step Functions and SQS calls go; MiniStack itself when omitted. */
    readonly services?: string;
    readonly functionName?: string;
  },
): Promise<{ functionArn: string; lambda: LambdaClient }> {
  const functionName = settings.functionName ?? 'airstep-trigger';
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
      Role: 'arn:aws:iam::000000000000:role/airstep-trigger',
      Code: { ZipFile: await lambdaPackage('lambdas/trigger/index.ts') },
      Timeout: 30,
      Environment: {
        Variables: {
          ...triggerEnv({
            tables: settings.tables,
            failedEventsQueueUrl: settings.failedEventsQueueUrl,
            prefix: 'airstep',
          }),
          // Service endpoints win over the AWS_ENDPOINT_URL MiniStack gives its functions.
          ...(settings.services === undefined
            ? {}
            : {
                AWS_ENDPOINT_URL_DYNAMODB: settings.services,
                AWS_ENDPOINT_URL_SFN: settings.services,
                AWS_ENDPOINT_URL_SQS: settings.services,
              }),
        },
      },
    }),
  );
  return { functionArn: await activeFunctionArn(lambda, functionName), lambda };
}

/**
 * A stand-in for the trigger Lambda on MiniStack that starts nothing: it appends each event it is invoked with to
 * `file` (one JSON line; MiniStack runs the function on this machine) and answers `recorded`. For tests of what
 * is sent to the trigger where the trigger itself cannot run (moto cannot start an execution on an alias).
 */
export async function deployRecordingTrigger(
  ministack: RunningEmulator,
  file: string,
  functionName = 'airstep-recording-trigger',
): Promise<{ functionArn: string; lambda: LambdaClient; received: () => Promise<unknown[]> }> {
  const lambda = new LambdaClient({
    endpoint: ministack.endpoint,
    region: 'us-east-1',
    credentials: emulatorCredentials,
  });
  const code = `import { appendFileSync } from 'node:fs';
export const handler = async (event) => {
  appendFileSync(${JSON.stringify(file)}, JSON.stringify(event) + '\\n');
  return { outcome: 'recorded' };
};
`;
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: functionName,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/airstep-trigger',
      Code: { ZipFile: zipPackage({ 'index.mjs': Buffer.from(code) }) },
      Timeout: 30,
    }),
  );
  const received = async () => {
    const text = await readFile(file, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as unknown);
  };
  return { functionArn: await activeFunctionArn(lambda, functionName), lambda, received };
}

/** How long a function may stay Pending before a test gives up: a backstop far above what MiniStack takes. */
const ACTIVE_GIVE_UP_MS = 120_000;

/**
 * Polls the function's state until it is Active and resolves with its ARN; throws, naming the function and its
 * last state, when it fails or is still not Active after ACTIVE_GIVE_UP_MS.
 */
async function activeFunctionArn(lambda: LambdaClient, functionName: string): Promise<string> {
  const giveUpAt = Date.now() + ACTIVE_GIVE_UP_MS;
  for (;;) {
    const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: functionName }));
    if (Configuration?.State === 'Active') return Configuration.FunctionArn!;
    if (Configuration?.State === 'Failed') throw new Error(`${functionName} failed: ${Configuration.StateReason}`);
    if (Date.now() > giveUpAt)
      throw new Error(
        `${functionName} is not Active after ${ACTIVE_GIVE_UP_MS / 1000} s (state ${Configuration?.State ?? 'unknown'})`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
