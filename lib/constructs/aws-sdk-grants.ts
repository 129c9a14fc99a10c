import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { allowedManagedRules } from '../compiler/aws-sdk-integrations.ts';

/** AWS API actions `awsSdk` steps may call from the state machines, on which resources. */
export interface AwsSdkPermission {
  /** IAM actions, e.g. `athena:StartQueryExecution`, `glue:GetJobRun` (wildcards as IAM allows them). */
  readonly actions: readonly string[];
  /** Resource ARNs the actions are allowed on. @default ['*'] */
  readonly resources?: readonly string[];
}

/**
 * Grants the state machines' role exactly the `awsSdk` actions the props list, and, for a `.sync` integration
 * whose start action is listed, the EventBridge rule Step Functions manages to learn that the job ended.
 * Nothing when the props list nothing: dag-sync then refuses a DAG with an `awsSdk` step (check-compiled-dag.ts).
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/service-integration-iam-templates.html
 */
export function grantAwsSdkSteps(role: iam.IRole, permissions: readonly AwsSdkPermission[]): void {
  for (const permission of permissions) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...permission.actions], resources: [...(permission.resources ?? ['*'])] }),
    );
  }
  const rules = allowedManagedRules(allowedAwsSdkActions(permissions));
  if (rules.length === 0) return;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: rules.map((rule) => `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/${rule}`),
    }),
  );
}

/** Every action the props allow, for dag-sync's check (`AIRSTEP_AWS_SDK_ACTIONS`). */
export function allowedAwsSdkActions(permissions: readonly AwsSdkPermission[]): string[] {
  return [...new Set(permissions.flatMap((permission) => permission.actions))].sort();
}
