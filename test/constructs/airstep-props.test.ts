import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Airstep, type AirstepProps } from '../../lib/constructs/airstep.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { actionsOf, CDK_CONTEXT, type Json, resourcesOf, StackTemplate, synthOutdir } from './stack-template.ts';

const READER = 'arn:aws:iam::999988887777:role/data-reader';
const SECRETS_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-1111-2222-3333-444455556666';
const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/example/airstep-worker:1');

/**
 * One stack with one Airstep. The worker image comes from a registry and the Lambdas are not bundled (airstep.test.ts
 * checks the bundles), so this file spends its time on the template only.
 */
function synthesize(props: AirstepProps, withVpc?: (stack: Stack) => ec2.IVpc) {
  const context = { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] };
  const app = new App({ outdir: synthOutdir(), context });
  const stack = new Stack(app, 'Custom', { env: { account: '111122223333', region: 'eu-west-1' } });
  const airstep = new Airstep(stack, 'Airstep', {
    fargateWorkerImage: IMAGE,
    ...props,
    ...(withVpc ? { vpc: withVpc(stack) } : {}),
  });
  return { app, airstep, t: new StackTemplate(stack, app) };
}

describe('Construct: Airstep — props', () => {
  let custom: ReturnType<typeof synthesize>;

  beforeAll(() => {
    custom = synthesize(
      {
        namePrefix: 'team-a',
        bucketName: 'team-a-airstep',
        queueNames: ['heavy', 'etl-2', 'default'],
        workerTimeout: Duration.minutes(5),
        workerMemoryMb: 2048,
        fargateCpu: 1024,
        fargateMemoryMiB: 4096,
        alarmEmail: 'oncall@example.com',
        invokableFunctionArns: ['arn:aws:lambda:eu-west-1:111122223333:function:enrich'],
        dataTables: ['orders', { name: 'rates', access: 'read' }],
        messageTargets: ['arn:aws:sns:eu-west-1:111122223333:done'],
        eventBuses: ['arn:aws:events:eu-west-1:111122223333:event-bus/data'],
        pools: { warehouse: 3 },
        assumableRoleArns: [READER, 'arn:aws:iam::444455556666:role/etl/writer'],
        secretsPrefix: 'team-a/secrets',
      },
      (stack) =>
        new ec2.Vpc(stack, 'Own', {
          maxAzs: 2,
          natGateways: 1,
          flowLogs: { rejected: { trafficType: ec2.FlowLogTrafficType.REJECT } },
          subnetConfiguration: [
            { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
            { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
          ],
        }),
    );
  }, 120_000);

  it('creates one task queue per queue name, each consumed by the worker and open to the state machines', () => {
    const { airstep, t } = custom;
    expect(Object.keys(airstep.queues.taskQueues)).toEqual(['default', 'etl-2', 'heavy']);
    const workerId = t.id(airstep.functions.functions.worker);
    const consumed = t
      .resources('AWS::Lambda::EventSourceMapping')
      .filter(([, mapping]) => mapping.Properties.FunctionName.Ref === workerId)
      .map(([, mapping]) => mapping.Properties.EventSourceArn['Fn::GetAtt'][0]);
    const expected = [...Object.values(airstep.queues.taskQueues), airstep.queues.controlQueue].map((q) => t.id(q));
    expect(new Set(consumed)).toEqual(new Set(expected));
    const send = t
      .statementsOf(airstep.stateMachineRole.role)
      .find((statement) => actionsOf(statement).includes('sqs:SendMessage') && resourcesOf(statement).length > 1)!;
    expect(new Set(resourcesOf(send).map((resource: Json) => resource['Fn::GetAtt'][0]))).toEqual(new Set(expected));
    const urls = JSON.stringify(
      t.resource(airstep.functions.functions.dagSync).Properties.Environment.Variables[STACK_ENV.taskQueueUrls],
    );
    for (const name of ['default', 'etl-2', 'heavy']) expect(urls).toContain(`\\"${name}\\":`);
  });

  it('ties visibility timeouts, the worker and the Fargate task to the props', () => {
    const { airstep, t } = custom;
    const worker = t.resource(airstep.functions.functions.worker).Properties;
    expect([worker.Timeout, worker.MemorySize]).toEqual([300, 2048]);
    for (const queue of [...Object.values(airstep.queues.taskQueues), airstep.queues.controlQueue]) {
      expect(t.resource(queue).Properties.VisibilityTimeout).toBe(330);
    }
    expect(worker.Environment.Variables[STACK_ENV.pools]).toBe('{"warehouse":3}');
    const task = t.resource(airstep.fargate.taskDefinition).Properties;
    expect([task.Cpu, task.Memory]).toEqual(['1024', '4096']);
    expect(task.ContainerDefinitions[0].Image).toBe('public.ecr.aws/example/airstep-worker:1');
    t.template.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'team-a-airstep' });
    t.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('opens data permissions exactly for the resources named in the props, to native steps and task code alike', () => {
    const { airstep, t } = custom;
    const roles = {
      stateMachines: airstep.stateMachineRole.role,
      lambdaWorker: airstep.functions.functions.worker.role!,
      fargateWorker: airstep.fargate.taskDefinition.taskRole,
    };
    const table = (name: string) => `arn:aws:dynamodb:eu-west-1:111122223333:table/${name}`;
    // The props' resources, as written (literal ARNs, or joined with the partition); the stack's own are references.
    const named = (resource: Json): string | undefined =>
      typeof resource === 'string'
        ? resource
        : resource['Fn::Join']?.[1].every((part: Json) => typeof part === 'string' || part.Ref === 'AWS::Partition')
          ? resource['Fn::Join'][1].map((part: Json) => (part.Ref === 'AWS::Partition' ? 'aws' : part)).join('')
          : undefined;
    for (const [name, role] of Object.entries(roles)) {
      const statements = t.statementsOf(role);
      const resourcesFor = (action: string) =>
        statements
          .filter((statement) => actionsOf(statement).includes(action))
          .flatMap(resourcesOf)
          .map(named)
          .filter((resource) => resource !== undefined);
      expect(resourcesFor('lambda:InvokeFunction'), name).toEqual([
        'arn:aws:lambda:eu-west-1:111122223333:function:enrich',
      ]);
      // `orders` is read and written; `rates` (access: 'read') only read; each with its indexes.
      expect(resourcesFor('dynamodb:Query').sort(), name).toEqual(
        [table('orders'), `${table('orders')}/index/*`, table('rates'), `${table('rates')}/index/*`].sort(),
      );
      expect(resourcesFor('dynamodb:PutItem'), name).toEqual([table('orders'), `${table('orders')}/index/*`]);
      expect(resourcesFor('sns:Publish'), name).toEqual(['arn:aws:sns:eu-west-1:111122223333:done']);
      expect(resourcesFor('events:PutEvents'), name).toEqual(['arn:aws:events:eu-west-1:111122223333:event-bus/data']);
      // No data buckets named: no S3 permission on anything outside the Airstep bucket.
      expect(
        statements
          .filter((statement) => actionsOf(statement).some((action) => action.startsWith('s3:')))
          .flatMap(resourcesOf)
          .filter((resource) => typeof resource === 'string'),
        name,
      ).toEqual([]);
    }
  });

  it('lets exactly the two workers assume exactly the roles runAs may name, and tells dag-sync which they are', () => {
    const { airstep, t } = custom;
    const fns = airstep.functions.functions;
    const assumable = (role: IConstruct) =>
      t
        .statementsOf(role)
        .filter((statement) => actionsOf(statement).some((action) => action.startsWith('sts:')))
        .map((statement) => ({ actions: actionsOf(statement), resources: resourcesOf(statement) }));
    const listed = { actions: ['sts:AssumeRole'], resources: [READER, 'arn:aws:iam::444455556666:role/etl/writer'] };
    expect(assumable(fns.worker.role!)).toEqual([listed]);
    expect(assumable(airstep.fargate.taskDefinition.taskRole)).toEqual([listed]);
    for (const role of [
      fns.dagSync.role!,
      fns.trigger.role!,
      fns.recorder.role!,
      airstep.stateMachineRole.role,
      airstep.fargate.containerTaskRole,
    ])
      expect(assumable(role), role.node.path).toEqual([]);
    const dagSyncEnv = t.resource(fns.dagSync).Properties.Environment.Variables;
    expect(JSON.parse(dagSyncEnv[STACK_ENV.assumableRoleArns])).toEqual(listed.resources);
  });

  it('lets exactly the two workers read Variables and Connections under the prefix, and tells them where', () => {
    const { airstep, t } = custom;
    const fns = airstep.functions.functions;
    const reads = (role: IConstruct) =>
      t
        .statementsOf(role)
        .filter((statement) => actionsOf(statement).some((action) => /^(ssm|secretsmanager|kms):/.test(action)))
        .map((statement) => ({ actions: actionsOf(statement), resources: JSON.stringify(resourcesOf(statement)) }));
    for (const role of [fns.worker.role!, airstep.fargate.taskDefinition.taskRole]) {
      expect(reads(role)).toEqual([
        {
          actions: ['ssm:GetParameter'],
          resources: expect.stringContaining(':ssm:eu-west-1:111122223333:parameter/team-a/secrets/variables/*'),
        },
        {
          actions: ['secretsmanager:GetSecretValue'],
          resources: expect.stringContaining(
            ':secretsmanager:eu-west-1:111122223333:secret:team-a/secrets/connections/*',
          ),
        },
      ]);
    }
    // (The recorder's kms actions are its alerts topic key's: not about secrets.)
    for (const role of [
      fns.dagSync.role!,
      fns.trigger.role!,
      fns.recorder.role!,
      airstep.stateMachineRole.role,
      airstep.fargate.containerTaskRole,
    ])
      expect(
        reads(role).filter((statement) => !statement.actions.some((action) => action.startsWith('kms:'))),
        role.node.path,
      ).toEqual([]);
    expect(t.resource(fns.worker).Properties.Environment.Variables[STACK_ENV.secretsPrefix]).toBe('team-a/secrets');
    const container = t.resource(airstep.fargate.taskDefinition).Properties.ContainerDefinitions[0].Environment;
    expect(container).toContainEqual({ Name: STACK_ENV.secretsPrefix, Value: 'team-a/secrets' });
  });

  it('lets the workers decrypt with a customer key through SSM and Secrets Manager only, when one is given', () => {
    const { airstep, t } = synthesize({
      secretsKey: kms.Key.fromKeyArn(
        new Stack(new App(), 'Keys', { env: { account: '111122223333', region: 'eu-west-1' } }),
        'Key',
        SECRETS_KEY,
      ),
    });
    const decrypt = t
      .statementsOf(airstep.functions.functions.worker.role!)
      .filter((statement) => actionsOf(statement).includes('kms:Decrypt'));
    expect(decrypt).toEqual([
      expect.objectContaining({
        Resource: SECRETS_KEY,
        Condition: {
          StringEquals: { 'kms:ViaService': ['ssm.eu-west-1.amazonaws.com', 'secretsmanager.eu-west-1.amazonaws.com'] },
        },
      }),
    ]);
    expect(
      t.resource(airstep.functions.functions.worker).Properties.Environment.Variables[STACK_ENV.secretsPrefix],
    ).toBe('airstep/Custom');
  });

  it('runs Fargate tasks in the private subnets of a VPC you bring, without a public IP', () => {
    const { airstep, t } = custom;
    t.template.resourceCountIs('AWS::EC2::VPC', 1);
    const variables = t.resource(airstep.functions.functions.dagSync).Properties.Environment.Variables;
    expect(variables[STACK_ENV.assignPublicIp]).toBe('DISABLED');
    const privateSubnets = (airstep.fargate.vpc as ec2.Vpc).privateSubnets.map((subnet) => t.id(subnet));
    expect(JSON.stringify(variables[STACK_ENV.subnetIds])).toBe(
      JSON.stringify({ 'Fn::Join': ['', [{ Ref: privateSubnets[0] }, ',', { Ref: privateSubnets[1] }]] }),
    );
  });

  it('names everything by the prefix, and its cdk-nag acknowledgements follow it', () => {
    const { app, airstep, t } = custom;
    t.template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'team-a-dags' });
    const rules = (t.resources('AWS::Events::Rule') as Array<[string, Json]>).map(([, found]) => found);
    const statusRule = rules.find((found) => found.Properties.EventPattern.source?.[0] === 'aws.states')!;
    expect(JSON.stringify(statusRule.Properties.EventPattern)).toContain(':stateMachine:team-a-');
    // The asset bus is named by the prefix too.
    t.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'team-a-assets' });
    const starts = t
      .statementsOf(airstep.functions.functions.trigger.role!)
      .filter((statement) => actionsOf(statement).includes('states:StartExecution'))
      .flatMap(resourcesOf);
    expect(JSON.stringify(starts)).toContain(':stateMachine:team-a-*');
    expect(JSON.stringify(starts)).not.toContain(':stateMachine:airstep-');
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
  });

  it('refuses props it cannot deploy, naming the field', () => {
    const airstep = (props: AirstepProps) => () =>
      new Airstep(new Stack(new App(), 'Refused'), 'Airstep', { fargateWorkerImage: IMAGE, ...props });
    expect(airstep({ queueNames: ['no spaces'] })).toThrow(
      "queue name 'no spaces' must be 1-40 letters, digits, _ or -",
    );
    expect(airstep({ workerTimeout: Duration.minutes(16) })).toThrow(
      'workerTimeout cannot exceed 15 minutes (the Lambda limit)',
    );
    expect(airstep({ namePrefix: 'team_a' })).toThrow("namePrefix 'team_a' must be 1-20 letters, digits or -");
    expect(airstep({ secretsPrefix: 'aws/mine' })).toThrow("secretsPrefix 'aws/mine' must be 1-5 segments");
    expect(airstep({ assumableRoleArns: ['arn:aws:iam::999988887777:user/someone'] })).toThrow(
      "assumableRoleArns: 'arn:aws:iam::999988887777:user/someone' is not an IAM role ARN",
    );
    expect(airstep({ passableRoleArns: ['arn:aws:iam::999988887777:policy/jobs'] })).toThrow(
      "passableRoleArns: 'arn:aws:iam::999988887777:policy/jobs' is not an IAM role ARN",
    );
    // The roles the state machines pass are passableRoleArns only, where dag-sync checks each step's role.
    for (const action of ['iam:PassRole', 'iam:*', 'iam:Pass*'])
      expect(airstep({ awsSdkPermissions: [{ actions: ['ecs:RunTask', action] }] })).toThrow(
        `awsSdkPermissions: '${action}' allows iam:PassRole; list the roles awsSdk steps may pass in passableRoleArns instead`,
      );
  });
});
