/** Deploy-time values for a compiled definition's `${Placeholders}` (see lib/compiler/placeholders.ts). */
export interface PlaceholderValues {
  readonly dagVersion: string;
  readonly controlQueueUrl: string;
  /** Queue name -> URL. */
  readonly taskQueueUrls: Readonly<Record<string, string>>;
  readonly ecsClusterArn?: string;
  /** The Airstep worker's task definition family (ECS runs its latest revision). */
  readonly workerTaskDefinition?: string;
  readonly subnetIds?: string;
  readonly securityGroupIds?: string;
  readonly assignPublicIp?: string;
  /** Task key -> the task definition registered for that `container` task (see container-task-definitions.ts). */
  readonly containerTaskDefinitions?: Readonly<Record<string, string>>;
}

/**
 * Fills every placeholder, as dag-sync deploys a DAG. A placeholder with no value (a queue the stack does not
 * have, say) is an error naming it, never a broken state machine.
 */
export function fillPlaceholders(asl: string, values: PlaceholderValues): string {
  const missing = new Set<string>();
  const filled = asl.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => {
    const value = placeholderValue(name, values);
    if (value === undefined) missing.add(name);
    return value ?? whole;
  });
  if (missing.size > 0) {
    throw new Error(
      `no value for ${[...missing].sort().join(', ')}: add the queue to the Airstep construct's queueNames, or the Fargate settings`,
    );
  }
  return filled;
}

function placeholderValue(name: string, values: PlaceholderValues): string | undefined {
  if (name === 'DagVersion') return values.dagVersion;
  if (name === 'ControlQueueUrl') return values.controlQueueUrl;
  if (name.startsWith('TaskQueueUrl_')) return values.taskQueueUrls[name.slice('TaskQueueUrl_'.length)];
  if (name === 'EcsClusterArn') return values.ecsClusterArn;
  if (name === 'SubnetIds') return values.subnetIds;
  if (name === 'SecurityGroupIds') return values.securityGroupIds;
  if (name === 'AssignPublicIp') return values.assignPublicIp;
  if (name === 'WorkerTaskDefinition') return values.workerTaskDefinition;
  if (name.startsWith('ContainerTaskDefinition_')) {
    return values.containerTaskDefinitions?.[name.slice('ContainerTaskDefinition_'.length)];
  }
  return undefined;
}
