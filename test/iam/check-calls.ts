import { runSimulation } from '@cloud-copilot/iam-simulate';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import type { Json } from '../constructs/stack-template.ts';
import { aliasesOf, type IamRequest, iamRequestsOf, type RecordedCall } from './iam-requests.ts';
import type { StackFacts } from './stack-facts.ts';
import { STACK_ROLES, type StackRole } from './stack-role.ts';
import { TEMPLATE_ACCOUNT, TemplateValues } from './template-values.ts';

/** A call its role's policies do not allow. */
export interface Denial {
  readonly role: StackRole;
  readonly call: string;
  readonly action: string;
  readonly resource: string;
  /** `ImplicitlyDenied`, `ExplicitlyDenied`, or why the request could not be evaluated. */
  readonly result: string;
}

/**
 * Evaluates AWS calls against the synthesized template's IAM with a real policy evaluator (iam-simulate, a
 * test-time dependency that is never shipped): each call's actions and resources against the identity policies
 * attached to the role whose code made it.
 */
export class IamCheck {
  private readonly values: TemplateValues;
  private readonly policies = new Map<StackRole, Array<{ name: string; policy: Json }>>();
  private readonly decided = new Map<string, Promise<string>>();

  constructor(private readonly facts: StackFacts) {
    this.values = new TemplateValues(facts.resources);
  }

  async denials(calls: readonly RecordedCall[]): Promise<Denial[]> {
    const denials = new Map<string, Denial>();
    for (const call of calls) {
      for (const request of this.requestsOf(call)) {
        const result = await this.decide(call.role, request);
        if (result === 'Allowed') continue;
        const denial = { role: call.role, call: `${call.service}.${call.command}`, ...request, result };
        denials.set(`${denial.role} ${denial.action} ${denial.resource}`, denial);
      }
    }
    return [...denials.values()];
  }

  /**
   * The requests of a call, in the template's names: the test's resources mapped through the Airstep variables
   * (the role's own first, then the other roles', which name the same resources).
   */
  requestsOf(call: RecordedCall): IamRequest[] {
    const environments = [call.role, ...STACK_ROLES.filter((role) => role !== call.role)].map(
      (role) => this.facts.environments[role] ?? {},
    );
    const environment = this.values.resolve(Object.assign({}, ...environments.reverse())) as Record<string, Json>;
    const aliases = aliasesOf(call.env, environment);
    const prefix = call.env[STACK_ENV.namePrefix];
    const templatePrefix = environment[STACK_ENV.namePrefix] ?? 'airstep';
    return iamRequestsOf(call, aliases, prefix === undefined ? undefined : [prefix, templatePrefix]);
  }

  decide(role: StackRole, request: IamRequest): Promise<string> {
    const key = JSON.stringify([role, request]);
    let decision = this.decided.get(key);
    if (decision === undefined) {
      decision = this.simulate(role, request);
      this.decided.set(key, decision);
    }
    return decision;
  }

  private async simulate(role: StackRole, request: IamRequest): Promise<string> {
    const roleName = this.values.resolve({ Ref: this.facts.roles[role] }) as string;
    const response = await runSimulation(
      {
        request: {
          principal: `arn:aws:iam::${TEMPLATE_ACCOUNT}:role/${roleName}`,
          action: request.action,
          resource: { resource: request.resource, accountId: TEMPLATE_ACCOUNT },
          contextVariables: { ...request.context },
        },
        identityPolicies: this.policiesOf(role),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
    if (response.resultType === 'error') return `not evaluated: ${JSON.stringify(response.errors)}`;
    return response.overallResult;
  }

  /** The identity policies of a role: its inline policies and the `AWS::IAM::Policy` resources attached to it. */
  private policiesOf(role: StackRole): Array<{ name: string; policy: Json }> {
    let policies = this.policies.get(role);
    if (policies === undefined) {
      const roleId = this.facts.roles[role];
      const attached = Object.entries(this.facts.resources)
        .filter(([, resource]) => resource.Type === 'AWS::IAM::Policy')
        .filter(([, resource]) => (resource.Properties.Roles ?? []).some((ref: Json) => ref?.Ref === roleId))
        .map(([id, resource]) => ({ name: id, policy: this.values.resolve(resource.Properties.PolicyDocument) }));
      const inline = (this.facts.resources[roleId].Properties.Policies ?? []).map((entry: Json) => ({
        name: String(entry.PolicyName),
        policy: this.values.resolve(entry.PolicyDocument),
      }));
      policies = [...attached, ...inline];
      this.policies.set(role, policies);
    }
    return policies;
  }
}

/** The report a suite fails with: one line per denied call, naming the role, action and resource. */
export function describeDenials(denials: readonly Denial[]): string {
  return [
    `${denials.length} AWS call(s) the synthesized template's IAM does not allow:`,
    ...denials.map((d) => `  ${d.role}: ${d.action} on ${d.resource} (${d.call}; ${d.result})`),
  ].join('\n');
}
