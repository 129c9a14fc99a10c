import { type ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import type { DagManifest } from '../compiler/manifest.ts';
import { AirstepError } from '../errors/airstep-error.ts';

/** What the stack gives the task definitions of `container` tasks (images of the DAG author's choosing). */
export interface ContainerTaskSettings {
  readonly ecs: ECSClient;
  /** The role the container runs as: it may answer its task token, nothing more. */
  readonly taskRoleArn: string;
  /** The role ECS pulls the image and writes the logs with. */
  readonly executionRoleArn: string;
  readonly logGroup: string;
  readonly region: string;
}

/** A DAG with `container` tasks deployed to a stack without the settings to register their definitions. */
export class ContainerSettingsMissingError extends AirstepError {
  override readonly name = 'ContainerSettingsMissingError';
  readonly dagId: string;
  readonly taskKeys: readonly string[];

  constructor(dagId: string, taskKeys: readonly string[]) {
    super(`dag ${dagId} has container tasks (${taskKeys.join(', ')}), but this stack has no container task settings`, {
      code: 'NO_CONTAINER_SETTINGS',
    });
    this.dagId = dagId;
    this.taskKeys = taskKeys;
  }
}

/** The family of a container task's definition: `<prefix>-<dag>-<task>`, in the characters ECS allows. */
function containerFamily(namePrefix: string, dagId: string, taskKey: string): string {
  return `${namePrefix}-${dagId}-${taskKey}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 255);
}

/**
 * Registers one task definition revision per `container` task of a DAG version (its image, command, size; the
 * container is named `task`, as the compiled RunTask overrides expect) and returns task key -> revision ARN, the
 * values of the `${ContainerTaskDefinition_<task>}` placeholders. Called only when a new DAG version deploys, so a
 * running execution keeps the revision it started with.
 */
export async function registerContainerTaskDefinitions(
  dagId: string,
  containers: DagManifest['compute']['containers'],
  names: { readonly namePrefix: string },
  settings: ContainerTaskSettings | undefined,
): Promise<Record<string, string>> {
  if (containers.length === 0) return {};
  if (settings === undefined) {
    throw new ContainerSettingsMissingError(
      dagId,
      containers.map((c) => c.taskKey),
    );
  }
  const arns: Record<string, string> = {};
  for (const container of containers) {
    const family = containerFamily(names.namePrefix, dagId, container.taskKey);
    const registered = await settings.ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: String(container.cpu),
        memory: String(container.memory),
        taskRoleArn: settings.taskRoleArn,
        executionRoleArn: settings.executionRoleArn,
        containerDefinitions: [
          {
            name: 'task',
            image: container.image,
            essential: true,
            logConfiguration: {
              logDriver: 'awslogs',
              options: {
                'awslogs-group': settings.logGroup,
                'awslogs-region': settings.region,
                'awslogs-stream-prefix': family,
              },
            },
          },
        ],
      }),
    );
    arns[container.taskKey] = registered.taskDefinition!.taskDefinitionArn!;
  }
  return arns;
}
