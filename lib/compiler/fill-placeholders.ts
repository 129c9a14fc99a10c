import { AirstepError } from '../errors/airstep-error.ts';
import { PLACEHOLDER } from './placeholders.ts';

/** Deploy-time values for a compiled definition's `${Placeholders}` (see placeholders.ts). */
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
  /** Task key -> the task definition registered for that `container` task. */
  readonly containerTaskDefinitions?: Readonly<Record<string, string>>;
  /** The trigger function and the run tables, for cross-DAG steps (`triggerDag`, `externalTaskSensor`). */
  readonly triggerFunctionArn?: string;
  readonly runsTable?: string;
  readonly taskInstancesTable?: string;
  /** The bucket a Distributed Map writes its results to (the stack's bucket). */
  readonly xcomBucket?: string;
  /** Child number (`01`) -> the ARN of that child state machine of a split DAG. */
  readonly childMachineArns?: Readonly<Record<string, string>>;
  /** The stack's asset event bus (tasks with outlets put their asset events there). */
  readonly assetEventBusName?: string;
}

/**
 * Fills every placeholder, as dag-sync deploys a DAG and the local engine runs it. A placeholder with no value (a
 * queue the stack does not have, say) is an error naming it, never a broken state machine.
 */
export function fillPlaceholders(asl: string, values: PlaceholderValues): string {
  const missing = new Set<string>();
  const filled = asl.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => {
    const value = placeholderValue(name, values);
    if (value === undefined) missing.add(name);
    return value ?? whole;
  });
  if (missing.size > 0) {
    throw new MissingPlaceholderError([...missing].sort());
  }
  return filled;
}

/** A compiled definition names a placeholder the stack has no value for (a queue it lacks, say). */
export class MissingPlaceholderError extends AirstepError {
  override readonly name = 'MissingPlaceholderError';
  readonly placeholders: readonly string[];

  constructor(placeholders: readonly string[]) {
    super(
      `no value for ${placeholders.join(', ')}: the deploy fills these from the Airstep stack (a task queue: add it to the construct's queueNames; an ECS value: its Fargate settings; a table, bus or function: pass the stack's)`,
      { code: 'MISSING_PLACEHOLDER' },
    );
    this.placeholders = placeholders;
  }
}

function placeholderValue(name: string, values: PlaceholderValues): string | undefined {
  const after = (prefix: string) => (name.startsWith(prefix) ? name.slice(prefix.length) : undefined);
  const queue = after(PLACEHOLDER.taskQueueUrlPrefix);
  if (queue !== undefined) return values.taskQueueUrls[queue];
  const container = after(PLACEHOLDER.containerTaskDefinitionPrefix);
  if (container !== undefined) return values.containerTaskDefinitions?.[container];
  const child = after(PLACEHOLDER.childMachineArnPrefix);
  if (child !== undefined) return values.childMachineArns?.[child];
  switch (name) {
    case PLACEHOLDER.dagVersion:
      return values.dagVersion;
    case PLACEHOLDER.controlQueueUrl:
      return values.controlQueueUrl;
    case PLACEHOLDER.ecsClusterArn:
      return values.ecsClusterArn;
    case PLACEHOLDER.subnetIds:
      return values.subnetIds;
    case PLACEHOLDER.securityGroupIds:
      return values.securityGroupIds;
    case PLACEHOLDER.assignPublicIp:
      return values.assignPublicIp;
    case PLACEHOLDER.workerTaskDefinition:
      return values.workerTaskDefinition;
    case PLACEHOLDER.triggerFunctionArn:
      return values.triggerFunctionArn;
    case PLACEHOLDER.runsTable:
      return values.runsTable;
    case PLACEHOLDER.taskInstancesTable:
      return values.taskInstancesTable;
    case PLACEHOLDER.xcomBucket:
      return values.xcomBucket;
    case PLACEHOLDER.assetEventBusName:
      return values.assetEventBusName;
    default:
      return undefined;
  }
}
