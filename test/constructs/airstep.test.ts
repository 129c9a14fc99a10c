import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

process.env.AIRSTEP_NO_SYNTH = '1';
const { AirstepStack } = await import('../../bin/app.ts');

let app: App;
let stack: InstanceType<typeof AirstepStack>;
let template: Template;
const outDirs: string[] = [];

beforeAll(() => {
  app = new App();
  stack = new AirstepStack(app, 'AirstepStack');
  template = Template.fromStack(stack);
}, 120_000);
afterAll(async () => {
  for (const dir of outDirs) await rm(dir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON, checked by the assertions.
const resourcesOf = (type: string) => Object.values(template.findResources(type)) as Array<{ Properties: any }>;

describe('Construct: Airstep', () => {
  it('keeps DAGs in a versioned, encrypted, TLS-only, private bucket whose XCom and logs expire', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'xcom/', ExpirationInDays: 30, Status: 'Enabled' }),
          Match.objectLike({ Prefix: 'logs/', ExpirationInDays: 90, Status: 'Enabled' }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: Match.arrayWith([
          Match.objectLike({
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'dags/' }] } },
          }),
          Match.objectLike({ Events: ['s3:ObjectRemoved:*'] }),
        ]),
      },
    });
  });

  it('keeps run metadata in six on-demand tables with point-in-time recovery and encryption', () => {
    const tables = resourcesOf('AWS::DynamoDB::GlobalTable');
    expect(tables).toHaveLength(6);
    for (const table of tables) {
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
      for (const replica of table.Properties.Replicas) {
        expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      }
    }
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'dagId', KeyType: 'HASH' },
        { AttributeName: 'runId', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byState' })],
    });
  });

  it('gives every queue a dead-letter queue and a visibility timeout above the worker timeout', () => {
    const queues = resourcesOf('AWS::SQS::Queue');
    const withRedrive = queues.filter((queue) => queue.Properties.RedrivePolicy !== undefined);
    // default task queue, control queue, dag events queue; each with its dead-letter queue.
    expect(withRedrive).toHaveLength(3);
    expect(queues).toHaveLength(6);
    for (const queue of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    const visibility = withRedrive.map((queue) => queue.Properties.VisibilityTimeout).sort((a, b) => a - b);
    expect(visibility).toEqual([60, 360, 930]);
    for (const queue of withRedrive) expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBe(3);
  });

  it('runs four Node 24 ARM Lambdas with X-Ray and JSON logs; the worker reports partial batch failures', () => {
    const functions = resourcesOf('AWS::Lambda::Function').filter((fn) =>
      String(fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME ?? '').startsWith('airstep-'),
    );
    expect(functions.map((fn) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).sort()).toEqual([
      'airstep-dag-sync',
      'airstep-recorder',
      'airstep-trigger',
      'airstep-worker',
    ]);
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Properties.LoggingConfig.LogFormat).toBe('JSON');
    }
    const worker = functions.find(
      (fn) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === 'airstep-worker',
    )!;
    expect(worker.Properties.Timeout).toBe(900);
    const mappings = resourcesOf('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(3);
    for (const mapping of mappings)
      expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });

  it('bounds the state machines: they may send only to the stack queues and run only the worker task', () => {
    const role = stack.airstep.stateMachineRole.role;
    const policies = resourcesOf('AWS::IAM::Policy').filter((policy) =>
      JSON.stringify(policy.Properties.Roles).includes(stack.getLogicalId(role.node.defaultChild as never)),
    );
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const send = statements.find((statement) => statement.Action === 'sqs:SendMessage');
    expect(send.Resource).toHaveLength(2);
    for (const resource of send.Resource) expect(JSON.stringify(resource)).toMatch(/QueuesTaskdefault|QueuesControl/);
    const run = statements.find((statement) => statement.Action === 'ecs:RunTask');
    expect(JSON.stringify(run.Resource)).toContain('FargateWorkerTask');
    for (const statement of statements) {
      if (statement.Resource === '*')
        expect(statement.Action).toEqual(expect.arrayContaining(['xray:PutTraceSegments']));
    }
  });

  it('creates the schedule group, the Fargate worker, the alerts topic, dashboard and alarms, and the recorder rule', () => {
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'airstep-dags' });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64' },
    });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    for (const alarm of resourcesOf('AWS::CloudWatch::Alarm')) expect(alarm.Properties.AlarmActions).toHaveLength(1);
    expect(resourcesOf('AWS::CloudWatch::Alarm').length).toBeGreaterThanOrEqual(8);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.states'], 'detail-type': ['Step Functions Execution Status Change'] },
    });
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
  });

  it('bundles each Lambda under 1 MB', () => {
    const assembly = app.synth();
    const bundles = readdirSync(assembly.directory)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => join(assembly.directory, name, 'index.mjs'))
      .filter((path) => existsSync(path));
    expect(bundles.length).toBeGreaterThanOrEqual(4);
    for (const bundle of bundles) expect(statSync(bundle).size, bundle).toBeLessThan(1_000_000);
  });
});

describe('cdk synth (the pinned CLI)', () => {
  it('synthesizes the app from cdk.json into a template', async () => {
    const out = await mkdtemp(join(tmpdir(), 'airstep-cdk-'));
    outDirs.push(out);
    await promisify(execFile)(process.execPath, ['node_modules/aws-cdk/bin/cdk', 'synth', '--quiet', '--output', out], {
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true', AIRSTEP_NO_SYNTH: '' },
      timeout: 120_000,
    });
    const synthesized = JSON.parse(readFileSync(join(out, 'AirstepStack.template.json'), 'utf8'));
    expect(
      Object.values(synthesized.Resources).some(
        (r) => (r as { Type: string }).Type === 'AWS::Scheduler::ScheduleGroup',
      ),
    ).toBe(true);
  }, 120_000);
});
