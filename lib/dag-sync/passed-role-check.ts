import { passedRoles, roleReceivingService } from '../compiler/aws-sdk-integrations.ts';
import { roleArnMatches } from '../compiler/role-arn.ts';

/**
 * dag-sync's check of the roles an `awsSdk` step hands a service (ECS RunTask, SageMaker CreateTrainingJob, EMR
 * Serverless StartJobRun): the state machines' role may pass only the construct's `passableRoleArns`, so a step
 * naming another role would deploy and fail on its first run with AccessDenied. A role the state reads at run time
 * (`RoleArn.$`), or one the request does not name (an ECS task definition's own roles), cannot be known here: IAM
 * checks it when the step runs, against the same list.
 * Undefined when the step passes no role or every role it names is listed.
 */
export function passedRoleProblem(
  resource: string,
  parameters: Readonly<Record<string, unknown>>,
  passable: readonly string[],
): string | undefined {
  if (roleReceivingService(resource) === undefined) return undefined;
  const roles = passedRoles(resource, parameters);
  if (passable.length === 0) {
    const named = roles.length > 0 ? `role ${roles.join(', ')}` : 'a role its request does not name';
    return `Resource ${resource}: passes ${named}, and this stack's state machines may pass none (list the roles in the Airstep construct's passableRoleArns)`;
  }
  const unlisted = roles.filter((role) => !role.startsWith('(from ') && !roleArnMatches(role, passable));
  if (unlisted.length === 0) return undefined;
  return `Resource ${resource}: passes role ${unlisted.join(', ')}, which this stack's state machines may not pass (list it in the Airstep construct's passableRoleArns)`;
}
