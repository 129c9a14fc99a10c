import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * What a split DAG's parent (lib/compiler/parent-child-machines.ts) does with the state machines' role beyond a
 * Distributed Map's grants (which already let it `states:StartExecution` the stack's state machines, their
 * versions and aliases): `startExecution.sync:2` describes and, when the parent is stopped, stops each child's
 * execution (`execution:<prefix>-<dag>-part-NN:<id>`, no `/` as a Map Run's item has), and it learns of a child's
 * end through the managed rule Step Functions keeps for it.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html
 */
export function grantChildMachines(role: iam.IRole, namePrefix: string): void {
  const { partition, region, account } = Stack.of(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['states:DescribeExecution', 'states:StopExecution'],
      resources: [`arn:${partition}:states:${region}:${account}:execution:${namePrefix}-*`],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [
        `arn:${partition}:events:${region}:${account}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`,
      ],
    }),
  );
}
