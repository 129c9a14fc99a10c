import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { taskMessageFromEnvironment } from '../../lib/runtime/fargate-task-environment.ts';
import { readStackEnv } from '../../lib/stack-contract/stack-env.ts';
import { handleWorkerMessage } from '../../lib/worker/worker-run.ts';

/**
 * The Fargate worker: `ecs:runTask.waitForTaskToken` starts this container with the task in AIRSTEP_*
 * environment variables (see lib/compiler/task-states.ts); it runs the try exactly as the Lambda worker does and
 * answers the token, then exits.
 */
const message = taskMessageFromEnvironment(process.env);
const env = readStackEnv(['bucket', 'taskInstancesTable']);
const result = await handleWorkerMessage(message, {
  bucket: env.bucket,
  gatesTable: env.taskInstancesTable,
  sfn: new SFNClient({}),
  s3: new S3Client({}),
  dynamo: new DynamoDBClient({}),
  log: (line) =>
    console.log(JSON.stringify({ level: 'INFO', dagId: message.dagId, taskId: message.taskId, message: line })),
});
console.log(JSON.stringify({ level: 'INFO', message: 'task done', result }));
