import { readFile } from 'node:fs/promises';
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { RunningEmulator } from '../../lib/emulator/launcher.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { emulatorCredentials } from '../../localstack/stack-tables.ts';
import { lambdaPackage, zipPackage } from '../cli/lambda-package.ts';

/**
 * The trigger Lambda (`lambdas/trigger`, bundled as the construct bundles it) deployed on MiniStack, which runs
 * Node Lambda code, with its DynamoDB, Step Functions and SQS calls sent to `services` (moto, say): a caller's
 * Invoke reaches the very handler the schedules invoke. Resolves once the function is Active, with its ARN.
 */
export async function deployTriggerLambda(
  ministack: RunningEmulator,
  settings: {
    readonly tables: { readonly dags: string; readonly runs: string; readonly queuedRuns: string };
    readonly failedEventsQueueUrl: string;
    readonly services: string;
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
          [STACK_ENV.dagsTable]: settings.tables.dags,
          [STACK_ENV.runsTable]: settings.tables.runs,
          [STACK_ENV.queuedRunsTable]: settings.tables.queuedRuns,
          [STACK_ENV.failedEventsQueueUrl]: settings.failedEventsQueueUrl,
          // Deadlines: the DAGs these tests trigger declare none, so nothing is scheduled or invoked with these.
          [STACK_ENV.deadlineScheduleGroup]: 'airstep-deadlines',
          [STACK_ENV.deadlineRoleArn]: 'arn:aws:iam::000000000000:role/airstep-deadlines',
          [STACK_ENV.recorderFunctionArn]: 'arn:aws:lambda:us-east-1:000000000000:function:airstep-recorder',
          // Service endpoints win over the AWS_ENDPOINT_URL MiniStack gives its functions.
          AWS_ENDPOINT_URL_DYNAMODB: settings.services,
          AWS_ENDPOINT_URL_SFN: settings.services,
          AWS_ENDPOINT_URL_SQS: settings.services,
        },
      },
    }),
  );
  for (;;) {
    const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: functionName }));
    if (Configuration?.State === 'Active') return { functionArn: Configuration.FunctionArn!, lambda };
    if (Configuration?.State === 'Failed') throw new Error(`the trigger function failed: ${Configuration.StateReason}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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
  for (;;) {
    const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: functionName }));
    if (Configuration?.State === 'Active') return { functionArn: Configuration.FunctionArn!, lambda, received };
    if (Configuration?.State === 'Failed')
      throw new Error(`the recording function failed: ${Configuration.StateReason}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
