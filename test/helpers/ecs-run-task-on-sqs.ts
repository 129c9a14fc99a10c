/**
 * moto runs no `ecs:runTask`. For tests of the Fargate worker on moto, the compiled definition's
 * `ecs:runTask.waitForTaskToken` states become `sqs:sendMessage.waitForTaskToken` states whose message is the
 * RunTask request itself (cluster, task definition, overrides), evaluated by the state machine exactly as the
 * RunTask parameters are; the test then starts the container entry with the environment those overrides give.
 */
export function ecsRunTaskOnSqs(definition: string, queueUrl: string): string {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (typeof value !== 'object' || value === null) return value;
    const state = Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, rewrite(inner)]));
    if (state.Resource !== 'arn:aws:states:::ecs:runTask.waitForTaskToken') return state;
    return {
      ...state,
      Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
      Parameters: {
        QueueUrl: queueUrl,
        MessageBody: state.Parameters,
      },
    };
  };
  return JSON.stringify(rewrite(JSON.parse(definition)));
}

/** A RunTask request as the stand-in queue carries it. */
export interface RunTaskRequest {
  readonly TaskDefinition: string;
  readonly Overrides: {
    readonly ContainerOverrides: ReadonlyArray<{
      readonly Name: string;
      readonly Environment: ReadonlyArray<{ readonly Name: string; readonly Value: string }>;
    }>;
  };
}

/** The environment the overridden container starts with: the task definition's, then the overrides'. */
export function containerEnvironment(
  request: RunTaskRequest,
  taskDefinitionEnvironment: Readonly<Record<string, string>>,
): Record<string, string> {
  const overrides = request.Overrides.ContainerOverrides[0]?.Environment ?? [];
  return { ...taskDefinitionEnvironment, ...Object.fromEntries(overrides.map((entry) => [entry.Name, entry.Value])) };
}
