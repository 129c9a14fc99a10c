/**
 * Deploy-time values left as `${Name}` in the ASL and filled in by the deployer (the dag-sync Lambda, or the local
 * engine, both with `fillPlaceholders`). The manifest lists which ones a DAG uses.
 */
export const PLACEHOLDER = {
  dagVersion: 'DagVersion',
  controlQueueUrl: 'ControlQueueUrl',
  /** Followed by the queue name. */
  taskQueueUrlPrefix: 'TaskQueueUrl_',
  ecsClusterArn: 'EcsClusterArn',
  subnetIds: 'SubnetIds',
  securityGroupIds: 'SecurityGroupIds',
  assignPublicIp: 'AssignPublicIp',
  /** The Airstep worker's task definition family (RunTask takes its latest revision; each task sets its size). */
  workerTaskDefinition: 'WorkerTaskDefinition',
  /** Followed by the task key. */
  containerTaskDefinitionPrefix: 'ContainerTaskDefinition_',
  /** The stack's trigger function (a `triggerDag` step invokes it). */
  triggerFunctionArn: 'TriggerFunctionArn',
  /** The stack's runs and task-instances tables (cross-DAG waits read them). */
  runsTable: 'RunsTable',
  taskInstancesTable: 'TaskInstancesTable',
  /** The stack's bucket, where a Distributed Map writes its results (under `xcom/`, expired as XCom is). */
  xcomBucket: 'XComBucket',
  /** Followed by a child's number: a DAG split into a parent and children starts them (parent-child-machines.ts). */
  childMachineArnPrefix: 'ChildMachineArn_',
  /** The stack's asset event bus, where a task with outlets puts its asset events. */
  assetEventBusName: 'AssetEventBusName',
} as const;

const ref = (name: string) => `\${${name}}`;

/** The placeholders as they appear in the ASL. */
export const placeholder = {
  dagVersion: ref(PLACEHOLDER.dagVersion),
  controlQueueUrl: ref(PLACEHOLDER.controlQueueUrl),
  taskQueueUrl: (queue: string) => ref(`${PLACEHOLDER.taskQueueUrlPrefix}${queue}`),
  ecsClusterArn: ref(PLACEHOLDER.ecsClusterArn),
  subnetIds: ref(PLACEHOLDER.subnetIds),
  securityGroupIds: ref(PLACEHOLDER.securityGroupIds),
  assignPublicIp: ref(PLACEHOLDER.assignPublicIp),
  workerTaskDefinition: ref(PLACEHOLDER.workerTaskDefinition),
  containerTaskDefinition: (taskKey: string) => ref(`${PLACEHOLDER.containerTaskDefinitionPrefix}${taskKey}`),
  triggerFunctionArn: ref(PLACEHOLDER.triggerFunctionArn),
  runsTable: ref(PLACEHOLDER.runsTable),
  taskInstancesTable: ref(PLACEHOLDER.taskInstancesTable),
  xcomBucket: ref(PLACEHOLDER.xcomBucket),
  assetEventBusName: ref(PLACEHOLDER.assetEventBusName),
} as const;

/** Every `${Name}` in a definition, sorted. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1]!))].sort();
}
