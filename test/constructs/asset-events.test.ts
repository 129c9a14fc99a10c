import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { AssetEvents } from '../../lib/constructs/asset-events.ts';

/**
 * The asset events' part of the stack on its own: a bus, a rule handing each Airstep asset event's detail to the
 * trigger (retried, dead-lettered), PutEvents on that bus alone for the state machines' role.
 */
function synth() {
  const stack = new Stack(new App(), 'Test');
  const trigger = new lambda.Function(stack, 'Trigger', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
  const role = new iam.Role(stack, 'StateMachines', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
  const failedEvents = new sqs.Queue(stack, 'FailedEvents');
  new AssetEvents(stack, 'AssetEvents', {
    trigger,
    stateMachineRole: role,
    failedEvents,
    busName: 'airstep-assets',
  });
  return { template: Template.fromStack(stack), stack, ids: { trigger, role, failedEvents } };
}

describe('AssetEvents construct', () => {
  it("hands each asset event's detail to the trigger, retried, then to the failed-events queue", () => {
    const { template, stack, ids } = synth();
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'airstep-assets' });
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(1);
    const { Properties } = rules[0]!;
    expect(Properties.EventPattern).toEqual({ source: ['airstep.assets'], 'detail-type': ['Airstep asset updated'] });
    expect(Properties.EventBusName).toEqual({ Ref: expect.stringMatching(/^AssetEventsBus/) });
    const id = (construct: { node: { defaultChild?: unknown } }) =>
      stack.getLogicalId(construct.node.defaultChild as never);
    expect(Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [id(ids.trigger), 'Arn'] },
        InputPath: '$.detail',
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(ids.failedEvents), 'Arn'] } },
      }),
    ]);
  });

  it('lets the state machines put events on the asset bus only, and grants the trigger nothing new', () => {
    const { template, stack, ids } = synth();
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const statementsOf = (roleId: string) =>
      policies
        .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleId))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
    const roleId = stack.getLogicalId(ids.role.node.defaultChild as never);
    expect(statementsOf(roleId)).toEqual([
      {
        Action: 'events:PutEvents',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^AssetEventsBus/), 'Arn'] },
      },
    ]);
    // The trigger needs nothing new: it records events in the runs table and books in the dags table.
    const triggerRoleId = stack.getLogicalId(ids.trigger.role!.node.defaultChild as never);
    expect(statementsOf(triggerRoleId)).toEqual([]);
  });
});
