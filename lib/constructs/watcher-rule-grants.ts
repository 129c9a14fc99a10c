import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { watcherRuleNamePrefix } from '../stack-contract/watcher-rules.ts';

/**
 * Asset watchers' rules: dag-sync may make, change and delete EventBridge rules on the default bus under the
 * stack's watcher prefix only, and give them only the trigger function as target; EventBridge may invoke the
 * trigger for those rules only. ListRules supports no resource-level permissions (dag-sync lists its own rules by
 * name prefix).
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-lambda-permissions
 */
export function grantWatcherRules(dagSync: lambda.IFunction, trigger: lambda.IFunction, namePrefix: string): void {
  // The stack's own region and account (concrete when the stack has an env), as its other grants name them.
  const stack = Stack.of(dagSync);
  const rules = `arn:${stack.partition}:events:${stack.region}:${stack.account}:rule/${watcherRuleNamePrefix(namePrefix)}*`;
  dagSync.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['events:PutRule', 'events:DeleteRule', 'events:RemoveTargets', 'events:DescribeRule'],
      resources: [rules],
    }),
  );
  dagSync.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['events:PutTargets'],
      resources: [rules],
      // events:TargetArn is multivalued (one per target of the call): every target must be the trigger, and a
      // call must name one (ForAllValues alone would also allow a request without the key).
      conditions: {
        'ForAllValues:ArnEquals': { 'events:TargetArn': trigger.functionArn },
        Null: { 'events:TargetArn': 'false' },
      },
    }),
  );
  dagSync.addToRolePolicy(new iam.PolicyStatement({ actions: ['events:ListRules'], resources: ['*'] }));
  trigger.addPermission('InvokeByWatcherRules', {
    principal: new iam.ServicePrincipal('events.amazonaws.com'),
    sourceArn: rules,
    sourceAccount: stack.account,
  });
}
