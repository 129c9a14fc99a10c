/**
 * The CloudFormation outputs of `AirstepStack` that the `airstep` CLI reads to find the deployed resources
 * (`--stack` reads them with DescribeStacks, `--outputs` from the file `cdk deploy --outputs-file` writes). The
 * stack declares them from this table and the CLI looks them up in it, so the names cannot drift.
 */
export const STACK_OUTPUTS = {
  dagsTable: 'DagsTableName',
  runsTable: 'RunsTableName',
  taskInstancesTable: 'TaskInstancesTableName',
  importErrorsTable: 'ImportErrorsTableName',
  triggerFunction: 'TriggerFunctionName',
  /** Where task tries log (`airstep logs --stack`): the Lambda worker's and the Fargate worker's log groups. */
  workerLogGroup: 'WorkerLogGroupName',
  fargateWorkerLogGroup: 'FargateWorkerLogGroupName',
  /** `container` tasks' own output (the awslogs driver, stream prefix `<prefix>-<dag>-<task>`; lines untagged). */
  containerLogGroup: 'ContainerLogGroupName',
  /** The EventBridge Scheduler group of DAG schedules (`airstep pause` / `unpause`). */
  scheduleGroup: 'ScheduleGroupName',
} as const;

export type StackOutputKey = keyof typeof STACK_OUTPUTS;

/**
 * The stack's bucket, an output since the first stack (`airstep sync` users read it). Only `airstep clear --stack`
 * needs it (each DAG version's manifest), so it is read where present rather than required of every command.
 */
export const BUCKET_OUTPUT = 'BucketName';

/** The name `AirstepStack` is deployed under by `bin/app.ts`. */
export const DEFAULT_STACK_NAME = 'AirstepStack';
