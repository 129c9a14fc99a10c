/**
 * The environment the Airstep Lambdas read their resources from. The CDK construct sets these (it imports this
 * file so the names cannot drift); the handlers read them with `readStackEnv()`.
 */
import { AirstepError } from '../errors/airstep-error.ts';

export const STACK_ENV = {
  bucket: 'AIRSTEP_BUCKET',
  dagsTable: 'AIRSTEP_DAGS_TABLE',
  runsTable: 'AIRSTEP_RUNS_TABLE',
  taskInstancesTable: 'AIRSTEP_TASK_INSTANCES_TABLE',
  importErrorsTable: 'AIRSTEP_IMPORT_ERRORS_TABLE',
  poolSlotsTable: 'AIRSTEP_POOL_SLOTS_TABLE',
  queuedRunsTable: 'AIRSTEP_QUEUED_RUNS_TABLE',
  /** JSON object: queue name -> queue URL. */
  taskQueueUrls: 'AIRSTEP_TASK_QUEUE_URLS',
  controlQueueUrl: 'AIRSTEP_CONTROL_QUEUE_URL',
  /** Where the trigger writes the fires it refuses or cannot read (with the reason); alarmed. */
  failedEventsQueueUrl: 'AIRSTEP_FAILED_EVENTS_QUEUE_URL',
  stateMachineRoleArn: 'AIRSTEP_STATE_MACHINE_ROLE_ARN',
  /** State machines are named `<prefix>-<dagId>`. */
  namePrefix: 'AIRSTEP_NAME_PREFIX',
  scheduleGroup: 'AIRSTEP_SCHEDULE_GROUP',
  schedulerRoleArn: 'AIRSTEP_SCHEDULER_ROLE_ARN',
  triggerFunctionArn: 'AIRSTEP_TRIGGER_FUNCTION_ARN',
  /** The stack's asset event bus: tasks with outlets put their asset events there (dag-sync fills it in). */
  assetEventBusName: 'AIRSTEP_ASSET_EVENT_BUS_NAME',
  /** The schedule group of runs' deadline schedules, and the role those schedules invoke the recorder with. */
  deadlineScheduleGroup: 'AIRSTEP_DEADLINE_SCHEDULE_GROUP',
  deadlineRoleArn: 'AIRSTEP_DEADLINE_ROLE_ARN',
  /** The recorder: deadline schedules invoke it, and the trigger hands it a deadline already past. */
  recorderFunctionArn: 'AIRSTEP_RECORDER_FUNCTION_ARN',
  /** The Lambda dag-sync hands each DAG file to for evaluation (name or ARN); its role may only write its logs. */
  evaluatorFunction: 'AIRSTEP_EVALUATOR_FUNCTION',
  alertsTopicArn: 'AIRSTEP_ALERTS_TOPIC_ARN',
  ecsClusterArn: 'AIRSTEP_ECS_CLUSTER_ARN',
  workerTaskDefinition: 'AIRSTEP_WORKER_TASK_DEFINITION',
  /** Roles and log group of the task definitions dag-sync registers for `container` tasks. */
  containerTaskRoleArn: 'AIRSTEP_CONTAINER_TASK_ROLE_ARN',
  containerExecutionRoleArn: 'AIRSTEP_CONTAINER_EXECUTION_ROLE_ARN',
  containerLogGroup: 'AIRSTEP_CONTAINER_LOG_GROUP',
  subnetIds: 'AIRSTEP_SUBNET_IDS',
  securityGroupIds: 'AIRSTEP_SECURITY_GROUP_IDS',
  /** `ENABLED` when Fargate tasks run in public subnets (the VPC Airstep makes has no NAT). */
  assignPublicIp: 'AIRSTEP_ASSIGN_PUBLIC_IP',
  /** The log group state machines log to, and the level (`ALL`, `ERROR`, `FATAL`). */
  stateMachineLogGroupArn: 'AIRSTEP_STATE_MACHINE_LOG_GROUP_ARN',
  stateMachineLogLevel: 'AIRSTEP_STATE_MACHINE_LOG_LEVEL',
  /** JSON object: pool name -> slots. */
  pools: 'AIRSTEP_POOLS',
  /** JSON array: the IAM roles task code may run under (`runAs`); dag-sync refuses a DAG naming another. */
  assumableRoleArns: 'AIRSTEP_ASSUMABLE_ROLE_ARNS',
  /** Where the workers read Variables (SSM) and Connections (Secrets Manager): see secrets-paths.ts. */
  secretsPrefix: 'AIRSTEP_SECRETS_PREFIX',
  /** JSON array: the IAM actions `awsSdk` steps may call (the construct's awsSdkPermissions); dag-sync refuses others. */
  awsSdkActions: 'AIRSTEP_AWS_SDK_ACTIONS',
  /** JSON array: the roles awsSdk steps may hand a service (the construct's passableRoleArns); dag-sync refuses others. */
  passableRoleArns: 'AIRSTEP_PASSABLE_ROLE_ARNS',
  /** Days a recorded asset event is kept (the construct's `assetEventRetention`; asset-event-retention.ts). */
  assetEventRetentionDays: 'AIRSTEP_ASSET_EVENT_RETENTION_DAYS',
} as const;

export type StackEnvKey = keyof typeof STACK_ENV;

/** A handler started without the variables the construct sets (deployed outside it). */
export class MissingStackEnvError extends AirstepError {
  override readonly name = 'MissingStackEnvError';
  readonly variables: readonly string[];

  constructor(variables: readonly string[]) {
    super(`missing environment: ${variables.join(', ')} (deploy with the Airstep construct)`, {
      code: 'MISSING_STACK_ENV',
    });
    this.variables = variables;
  }
}

/** Reads the Airstep variables a handler needs; a missing one is named (a handler deployed outside the construct). */
export function readStackEnv<K extends StackEnvKey>(
  keys: readonly K[],
  env: NodeJS.ProcessEnv = process.env,
): Record<K, string> {
  const values = {} as Record<K, string>;
  const missing: string[] = [];
  for (const key of keys) {
    const value = env[STACK_ENV[key]];
    if (value === undefined) missing.push(STACK_ENV[key]);
    else values[key] = value;
  }
  if (missing.length > 0) throw new MissingStackEnvError(missing);
  return values;
}

/**
 * An Airstep variable a handler can do without (the construct always sets it; a harness that runs the handler
 * alone may not): undefined when unset or empty.
 */
export function optionalStackEnv(key: StackEnvKey, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[STACK_ENV[key]];
  return value === undefined || value === '' ? undefined : value;
}
