import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { taskMessageFromEnvironment } from '../../lib/runtime/fargate-task-environment.ts';
import { optionalStackEnv, readStackEnv } from '../../lib/stack-contract/stack-env.ts';
import { type TaskLogTags, taskLogLine } from '../../lib/stack-contract/task-log-line.ts';
import { workerSecretSources } from '../../lib/worker/cloud-secrets.ts';
import { taskLogTagsOf } from '../../lib/worker/task-log-tags.ts';
import { handleWorkerMessage } from '../../lib/worker/worker-run.ts';

export interface FargateTryOptions {
  /** Waits between asks for a full pool or DAG cap. @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One Fargate try, from the container environment `ecs:runTask.waitForTaskToken` gives the worker (the task in
 * AIRSTEP_* variables, see lib/compiler/task-states.ts; the stack's resources from the task definition): runs it
 * as the Lambda worker does and answers the token.
 *
 * Slots (its DAG's `maxActiveTasks`, its pool) are taken when the container starts, counted with the Lambda
 * worker's tries in the same poolSlots items. When they are full the container waits in place, heartbeating and
 * asking again with backoff, rather than failing the try with an error the state machine retries: a Retry would
 * spend the task's own `retries` and raise its try number (Airflow's tries count runs, not waits), and each retry
 * would be a new RunTask (a cold start and transitions); an in-place wait keeps the try number and its token, and
 * only its running time counts against `executionTimeout`, as with the Lambda worker. The slots are given back
 * when the try ends; a container that dies holding them is covered by the next try of the task (earlier tries'
 * slots are freed) and by the recorder, which frees what a run's tries still hold when the run ends.
 */
export async function runFargateTry(env: NodeJS.ProcessEnv, options: FargateTryOptions = {}) {
  const message = taskMessageFromEnvironment(env);
  const tags = taskLogTagsOf(message) as TaskLogTags;
  const stack = readStackEnv(['bucket', 'taskInstancesTable', 'poolSlotsTable', 'pools'], env);
  const host = await fargateTaskId(env);
  return handleWorkerMessage(message, {
    bucket: stack.bucket,
    gatesTable: stack.taskInstancesTable,
    sfn: new SFNClient({}),
    s3: new S3Client({}),
    dynamo: new DynamoDBClient({}),
    sts: new STSClient({}),
    secrets: workerSecretSources(optionalStackEnv('secretsPrefix', env), env),
    // One JSON object per line naming the try (the awslogs driver sends each stdout line as one event).
    log: (line) => console.log(taskLogLine(tags, line)),
    pools: { table: stack.poolSlotsTable, capacities: JSON.parse(stack.pools) as Record<string, number> },
    waitForSlots: options.sleep ?? sleepFor,
    ...(host !== undefined ? { host } : {}),
  });
}

/**
 * The Fargate task this container is, for the try's live record: its id from the ECS task metadata endpoint
 * (Fargate sets `ECS_CONTAINER_METADATA_URI_V4`); the host name where there is none (or it does not answer).
 */
async function fargateTaskId(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const uri = env.ECS_CONTAINER_METADATA_URI_V4;
  if (uri === undefined) return env.HOSTNAME;
  try {
    const response = await fetch(`${uri}/task`, { signal: AbortSignal.timeout(2_000) });
    const { TaskARN } = (await response.json()) as { TaskARN?: string };
    return TaskARN?.split('/').pop() ?? env.HOSTNAME;
  } catch {
    return env.HOSTNAME;
  }
}
