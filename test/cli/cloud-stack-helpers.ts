import { execFile } from 'node:child_process';
import { STACK_OUTPUTS } from '../../lib/stack-contract/stack-outputs.ts';

/** What the cloud CLI tests share: the CLI in a child process, and an outputs file as `cdk deploy` writes it. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node bin/airstep.js …` with the emulator's endpoint, region and dummy credentials. */
export function airstep(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/airstep.js', ...args],
      {
        // The SDK's Node 20 notice (see the README) would be in every stderr asserted here.
        env: { ...process.env, ...env, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
    );
  });
}

/** The outputs of `AirstepStack` as `cdk deploy --outputs-file` writes them, for tables made by createStackTables. */
export function stackOutputs(
  tables: { dags: string; runs: string; taskInstances: string; importErrors: string },
  triggerFunction: string,
  scheduleGroup = 'airstep-dags',
): Record<string, string> {
  return {
    BucketName: 'airstep-bucket',
    [STACK_OUTPUTS.dagsTable]: tables.dags,
    [STACK_OUTPUTS.runsTable]: tables.runs,
    [STACK_OUTPUTS.taskInstancesTable]: tables.taskInstances,
    [STACK_OUTPUTS.importErrorsTable]: tables.importErrors,
    [STACK_OUTPUTS.triggerFunction]: triggerFunction,
    [STACK_OUTPUTS.workerLogGroup]: 'airstep-worker-logs',
    [STACK_OUTPUTS.fargateWorkerLogGroup]: 'airstep-fargate-worker-logs',
    [STACK_OUTPUTS.containerLogGroup]: 'airstep-container-logs',
    [STACK_OUTPUTS.scheduleGroup]: scheduleGroup,
  };
}
