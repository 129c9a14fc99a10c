import { FARGATE_ENV, type TaskMessage } from '../compiler/worker-contract.ts';

/**
 * A Fargate try's task message, from the `AIRSTEP_*` variables `ecs:runTask.waitForTaskToken` sets on the
 * worker container (`FARGATE_ENV`; the compiler writes them): the Fargate worker and the local engine read it the
 * same way. A mapped try carries its index, item and the mapping's partial arguments.
 */
export function taskMessageFromEnvironment(env: Readonly<Record<string, string | undefined>>): TaskMessage {
  const inputs = Object.fromEntries(
    Object.entries(env)
      .filter(([name]) => name.startsWith(FARGATE_ENV.inputPrefix))
      .map(([name, value]) => [name.slice(FARGATE_ENV.inputPrefix.length), JSON.parse(value ?? 'null')]),
  );
  const mapIndex = env[FARGATE_ENV.mapIndex] !== undefined ? Number(env[FARGATE_ENV.mapIndex]) : -1;
  return {
    kind: 'task',
    dagId: env[FARGATE_ENV.dagId]!,
    dagVersion: env[FARGATE_ENV.dagVersion]!,
    taskId: env[FARGATE_ENV.taskId]!,
    executionArn: env[FARGATE_ENV.executionArn]!,
    retryCount: Number(env[FARGATE_ENV.retryCount] ?? '0'),
    token: env[FARGATE_ENV.taskToken]!,
    ctx: JSON.parse(env[FARGATE_ENV.ctx] ?? '{}'),
    inputs,
    mapIndex,
    ...(mapIndex >= 0
      ? {
          item: JSON.parse(env[FARGATE_ENV.item] ?? 'null'),
          partial: JSON.parse(env[FARGATE_ENV.partial] ?? '{}'),
        }
      : {}),
  };
}
