import type { TaskIR } from '../compiler/ir.ts';

/**
 * AWS for a local run when the user configured none. A DAG whose tasks talk to AWS (its code imports the AWS SDK,
 * or it has native S3 / DynamoDB / SQS / SNS / EventBridge / Lambda steps) cannot run on a machine with no AWS
 * endpoint and no credentials: every try would fail with `Region is missing` or a credentials error. There the
 * local engine starts the embedded emulator itself (MiniStack, as `npm start` does), keeping its state under
 * `.airstep/emulator/` so buckets, objects and tables outlive the run (a later `clear` of the run finds what its
 * kept tasks wrote), and creates the example buckets with their files when the project has `dags/_data/raw/`.
 *
 * Configured AWS always wins: an endpoint (`AWS_ENDPOINT_URL`), credentials in the environment, a profile or
 * shared config file, a web identity or container role. `--emulator` starts the emulator anyway and
 * `--no-emulator` never does.
 */

/** Why a DAG needs AWS: the SDK packages its code imports, and its steps that call AWS services themselves. */
export function awsUseOf(sdkImports: readonly string[], tasks: readonly TaskIR[] = []): string[] {
  const steps = tasks.filter((task) => task.kind === 'native' || task.kind === 'lambda_invoke').map((task) => task.id);
  return [
    ...sdkImports,
    ...(steps.length > 0 ? [`native step${steps.length > 1 ? 's' : ''} ${steps.slice(0, 3).join(', ')}`] : []),
  ];
}

export type EmulatorChoice = boolean | undefined;

/** Whether to start the embedded emulator: never with `--no-emulator`, always with `--emulator`, else when needed. */
export function wantsEmbeddedAws(
  choice: EmulatorChoice,
  uses: readonly string[],
  configured: string | undefined,
): boolean {
  if (choice !== undefined) return choice;
  return uses.length > 0 && configured === undefined;
}
