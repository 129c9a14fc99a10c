import { readStackEnv } from '../../lib/runtime/stack-env.ts';
import type { TaskMessage } from '../../lib/runtime/task-message.ts';
import { handleWorkerMessage } from '../../lib/runtime/worker-run.ts';

/**
 * The Fargate worker: `ecs:runTask.waitForTaskToken` starts this container with the task in AIRSTEP_*
 * environment variables (see lib/compiler/task-states.ts); it runs the try exactly as the Lambda worker does and
 * answers the token, then exits.
 */
const task = process.env;
const inputs = Object.fromEntries(
  Object.entries(task)
    .filter(([name]) => name.startsWith('AIRSTEP_INPUT_'))
    .map(([name, value]) => [name.slice('AIRSTEP_INPUT_'.length), JSON.parse(value ?? 'null')]),
);
const message: TaskMessage = {
  kind: 'task',
  dagId: task.AIRSTEP_DAG_ID!,
  dagVersion: task.AIRSTEP_DAG_VERSION!,
  taskId: task.AIRSTEP_TASK_ID!,
  executionArn: task.AIRSTEP_EXECUTION_ARN!,
  retryCount: Number(task.AIRSTEP_RETRY_COUNT ?? '0'),
  token: task.AIRSTEP_TASK_TOKEN!,
  ctx: JSON.parse(task.AIRSTEP_CTX ?? '{}'),
  inputs,
  mapIndex: -1,
};
const env = readStackEnv(['bucket', 'taskInstancesTable']);
const result = await handleWorkerMessage(message, {
  bucket: env.bucket,
  gatesTable: env.taskInstancesTable,
  log: (line) =>
    console.log(JSON.stringify({ level: 'INFO', dagId: message.dagId, taskId: message.taskId, message: line })),
});
console.log(JSON.stringify({ level: 'INFO', message: 'task done', result }));
