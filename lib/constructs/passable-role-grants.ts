import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { actionAllowed, PASSED_ROLE_SERVICES } from '../compiler/aws-sdk-integrations.ts';
import { ROLE_ARN_PATTERN } from '../compiler/role-arn.ts';
import { AirstepPropsError } from './airstep-props-error.ts';
import type { AwsSdkPermission } from './aws-sdk-grants.ts';

/**
 * Refuses `passableRoleArns` that are not role ARNs, and `iam:PassRole` in `awsSdkPermissions`: the roles the
 * state machines may pass are `passableRoleArns` only, where dag-sync can check each step's role against them
 * (passed-role-check.ts) and the grant is held to the services Airstep's steps hand roles to.
 */
export function checkPassableRoleProps(props: {
  readonly passableRoleArns?: readonly string[];
  readonly awsSdkPermissions?: readonly AwsSdkPermission[];
}): void {
  for (const arn of props.passableRoleArns ?? [])
    if (!Token.isUnresolved(arn) && !ROLE_ARN_PATTERN.test(arn))
      throw new AirstepPropsError('passableRoleArns', `passableRoleArns: '${arn}' is not an IAM role ARN`);
  for (const permission of props.awsSdkPermissions ?? [])
    for (const action of permission.actions)
      if (actionAllowed('iam:PassRole', [action]))
        throw new AirstepPropsError(
          'awsSdkPermissions',
          `awsSdkPermissions: '${action}' allows iam:PassRole; list the roles awsSdk steps may pass in passableRoleArns instead`,
        );
}

/**
 * Lets the state machines pass exactly the listed roles, and only to the services whose calls take one (ECS tasks,
 * SageMaker, EMR Serverless): a listed role cannot be handed to, say, a Lambda function the step creates.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
 */
export function grantPassableRoles(role: iam.IRole, arns: readonly string[]): void {
  if (arns.length === 0) return;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [...arns],
      conditions: { StringEquals: { 'iam:PassedToService': [...PASSED_ROLE_SERVICES] } },
    }),
  );
}
