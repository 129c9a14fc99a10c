import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { type TaskMessage, type TaskOutcome, workerTasksOf } from '../../lib/compiler/worker-contract.ts';
import type { SecretSource } from '../../lib/runtime/secret-source.ts';
import { runTaskTry } from '../../lib/runtime/task-runner.ts';
import type { TaskContext } from '../../lib/sdk/context.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { manualContext } from './run-context.ts';

/** One try of a one-task DAG through the shared runner, as every worker runs it: its outcome and its log lines. */
export async function oneTry(
  dagId: string,
  taskId: string,
  fn: (ctx: TaskContext) => unknown,
  secrets?: readonly SecretSource[],
): Promise<{ outcome: TaskOutcome; logs: string[] }> {
  const d = dag({ id: dagId });
  d.task(taskId, async (ctx) => fn(ctx));
  const message: TaskMessage = {
    kind: 'task',
    dagId: d.id,
    dagVersion: 'v1',
    taskId,
    executionArn: 'arn:local',
    retryCount: 0,
    token: 't',
    ctx: manualContext(d),
    inputs: {},
    mapIndex: -1,
  };
  const logs: string[] = [];
  const outcome = await runTaskTry(d, workerTasksOf(compileDag(d).manifest!).get(taskId), message, {
    log: (line) => logs.push(line),
    ...(secrets !== undefined ? { secrets } : {}),
  });
  return { outcome, logs };
}
