/**
 * Deploy-time values left as `${Name}` in the ASL and filled in by the deployer (CDK `definitionSubstitutions`,
 * the dag-sync Lambda, or the local engine). The manifest lists which ones a DAG uses.
 */
export const placeholder = {
  dagVersion: '${DagVersion}',
  controlQueueUrl: '${ControlQueueUrl}',
  taskQueueUrl: (queue: string) => `\${TaskQueueUrl_${queue}}`,
  ecsClusterArn: '${EcsClusterArn}',
  subnetIds: '${SubnetIds}',
  securityGroupIds: '${SecurityGroupIds}',
  assignPublicIp: '${AssignPublicIp}',
  /** The Airstep worker's task definition family (RunTask takes its latest revision; each task sets its size). */
  workerTaskDefinition: '${WorkerTaskDefinition}',
  containerTaskDefinition: (taskKey: string) => `\${ContainerTaskDefinition_${taskKey}}`,
} as const;

/** Every `${Name}` in a definition, sorted. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1]!))].sort();
}
