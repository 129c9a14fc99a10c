import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * A task no worker runs has its task-instance record written by its state machine as it ends
 * (lib/compiler/task-instance-write.ts: one `dynamodb:updateItem`), so a deployed `externalTaskSensor` sees it
 * while the run goes on. The state machine role may update items of the task-instances table and nothing more
 * there: no PutItem or DeleteItem, and no write to any other table (the runs table stays the recorder's).
 */
export function grantTaskInstanceWrites(role: iam.IRole, taskInstancesTableArn: string): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [taskInstancesTableArn] }),
  );
}
