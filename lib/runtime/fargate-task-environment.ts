import type { TaskMessage } from '../compiler/worker-contract.ts';

/**
 * A Fargate try's task message, from the `AIRSTEP_*` variables `ecs:runTask.waitForTaskToken` sets on the
 * worker container (the compiler writes them; see lib/compiler/task-states.ts): the Fargate worker and the local
 * engine read it the same way. A mapped try carries its index, item and the mapping's partial arguments.
 */
export function taskMessageFromEnvironment(env: Readonly<Record<string, string | undefined>>): TaskMessage {
  const inputs = Object.fromEntries(
    Object.entries(env)
      .filter(([name]) => name.startsWith('AIRSTEP_INPUT_'))
      .map(([name, value]) => [name.slice('AIRSTEP_INPUT_'.length), JSON.parse(value ?? 'null')]),
  );
  const mapIndex = env.AIRSTEP_MAP_INDEX !== undefined ? Number(env.AIRSTEP_MAP_INDEX) : -1;
  return {
    kind: 'task',
    dagId: env.AIRSTEP_DAG_ID!,
    dagVersion: env.AIRSTEP_DAG_VERSION!,
    taskId: env.AIRSTEP_TASK_ID!,
    executionArn: env.AIRSTEP_EXECUTION_ARN!,
    retryCount: Number(env.AIRSTEP_RETRY_COUNT ?? '0'),
    token: env.AIRSTEP_TASK_TOKEN!,
    ctx: JSON.parse(env.AIRSTEP_CTX ?? '{}'),
    inputs,
    mapIndex,
    ...(mapIndex >= 0
      ? { item: JSON.parse(env.AIRSTEP_ITEM ?? 'null'), partial: JSON.parse(env.AIRSTEP_PARTIAL ?? '{}') }
      : {}),
  };
}
