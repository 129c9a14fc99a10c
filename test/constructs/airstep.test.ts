import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUCKET_PREFIXES } from '../../lib/constructs/airstep-bucket.ts';
import { FUNCTION_NAMES, type FunctionName, SERVICE_NAMES } from '../../lib/constructs/airstep-functions.ts';
import { type AirstepStack, buildApp, EXAMPLE_DATA_BUCKETS } from '../../lib/constructs/airstep-stack.ts';
import { TOP_DAGS } from '../../lib/constructs/dag-metric-widgets.ts';
import {
  DAG_DIMENSION,
  IMPORT_ERRORS_METRIC,
  METRICS_NAMESPACE,
  RECORDER_METRICS,
} from '../../lib/stack-contract/metrics.ts';
import { STACK_ENV, type StackEnvKey } from '../../lib/stack-contract/stack-env.ts';
import { RUNS_BY_STATE, TABLE_KEYS, type TableName } from '../../lib/stack-contract/tables.ts';
import { TRY_LOG_INSIGHTS_QUERY, taskLogLine } from '../../lib/stack-contract/task-log-line.ts';
import {
  actionsOf,
  CDK_CONTEXT,
  type Json,
  referencedIds,
  resourcesOf,
  StackTemplate,
  type Statement,
  synthOutdir,
} from './stack-template.ts';

const ENTRY_FOLDERS: Record<FunctionName, string> = {
  dagSync: 'dag-sync',
  worker: 'worker',
  trigger: 'trigger',
  recorder: 'recorder',
};

let stack: AirstepStack;
let t: StackTemplate;
let outdir: string;
let app: ReturnType<typeof buildApp>['app'];

beforeAll(() => {
  outdir = synthOutdir();
  ({ app, stack } = buildApp({ outdir, context: CDK_CONTEXT }));
  // The app carries cdk-nag's AwsSolutionsChecks as a validation plugin: synthesis throws on any finding (error or
  // warning) that is not acknowledged, and on CloudFormation-validate findings (cdk.json makes them errors).
  t = new StackTemplate(stack, app);
}, 120_000);

const airstep = () => stack.airstep;
const fn = (name: FunctionName) => airstep().functions.functions[name];
const fnResource = (name: FunctionName) => t.resource(fn(name));
const statementsOfFunction = (name: FunctionName) => t.statementsOf(fn(name).role!);
/** The dashboard's widgets, parsed from its body (CloudFormation tokens in it read as `TOKEN`). */
const dashboardWidgets = (): Json[] => {
  const [[, dashboard]] = t.resources('AWS::CloudWatch::Dashboard') as [[string, Json]];
  const parts = dashboard.Properties.DashboardBody['Fn::Join'][1] as Json[];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('')).widgets;
};
const tableIds = () =>
  Object.fromEntries(
    (Object.keys(TABLE_KEYS) as TableName[]).map((name) => [name, t.id(airstep().tables.tables[name])]),
  ) as Record<TableName, string>;
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** The AIRSTEP_* variables a handler reads: the keys of its `readStackEnv([...])` call. */
function stackEnvReadBy(entry: FunctionName | 'fargate-worker/fargate-try.ts'): StackEnvKey[] {
  const file = join('lambdas', entry === 'fargate-worker/fargate-try.ts' ? entry : `${ENTRY_FOLDERS[entry]}/index.ts`);
  const call = /readStackEnv\(\[([^\]]*)\]/.exec(readFileSync(file, 'utf8'));
  expect(call, `${file} calls readStackEnv`).not.toBeNull();
  // And the ones it can do without (`optionalStackEnv('secretsPrefix')`).
  const optional = [...readFileSync(file, 'utf8').matchAll(/optionalStackEnv\('(\w+)'/g)].map((match) => match[1]);
  return [...[...call![1]!.matchAll(/'(\w+)'/g)].map((match) => match[1]), ...optional] as StackEnvKey[];
}

describe('Construct: Airstep — storage', () => {
  it('keeps DAGs in a versioned, encrypted, TLS-only, private bucket whose XCom and logs expire', () => {
    t.template.hasResourceProperties('AWS::S3::Bucket', {
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
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }),
        ]),
      },
    });
    t.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: t.id(airstep().bucket.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('announces every object created or removed under dags/ on the dag-sync queue', () => {
    const [[, notifications]] = t.resources('Custom::S3BucketNotifications') as [[string, Json]];
    const dagEvents = arnOf(t.id(airstep().queues.dagEvents));
    const configurations = notifications.Properties.NotificationConfiguration.QueueConfigurations as Json[];
    expect(configurations.map((c) => c.Events).sort()).toEqual([['s3:ObjectCreated:*'], ['s3:ObjectRemoved:*']]);
    for (const configuration of configurations) {
      expect(configuration.QueueArn).toEqual(dagEvents);
      expect(configuration.Filter).toEqual({ Key: { FilterRules: [{ Name: 'prefix', Value: BUCKET_PREFIXES.dags }] } });
    }
  });

  it('keeps run metadata in six on-demand, encrypted tables with point-in-time recovery, keyed as documented', () => {
    const tables = t.resources('AWS::DynamoDB::GlobalTable');
    expect(tables).toHaveLength(6);
    for (const [, table] of tables) {
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
      for (const replica of table.Properties.Replicas) {
        expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      }
    }
    for (const [name, id] of Object.entries(tableIds()) as Array<[TableName, string]>) {
      const keys = TABLE_KEYS[name] as { partition: string; sort?: string };
      expect(t.json.Resources[id].Properties.KeySchema, name).toEqual([
        { AttributeName: keys.partition, KeyType: 'HASH' },
        ...(keys.sort !== undefined ? [{ AttributeName: keys.sort, KeyType: 'RANGE' }] : []),
      ]);
    }
    // Running runs of a DAG, read consistently: a local index on the runs table, and no global one anywhere.
    expect(t.json.Resources[tableIds().runs].Properties.LocalSecondaryIndexes).toEqual([
      {
        IndexName: RUNS_BY_STATE.indexName,
        KeySchema: [
          { AttributeName: 'dagId', KeyType: 'HASH' },
          { AttributeName: 'state', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    for (const [id, table] of tables) expect(table.Properties.GlobalSecondaryIndexes, id).toBeUndefined();
  });
});

describe('Construct: Airstep — queues', () => {
  it('gives every queue a dead-letter queue with redrive, or makes it one; all encrypted and TLS-only', () => {
    const queues = t.resources('AWS::SQS::Queue');
    const redriveTargets = new Set(
      queues
        .filter(([, queue]) => queue.Properties.RedrivePolicy !== undefined)
        .map(([, queue]) => queue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string),
    );
    const deadLetterIds = new Set([...redriveTargets, t.id(airstep().queues.failedEvents)]);
    expect(new Set(airstep().queues.deadLetterQueues.map((queue) => t.id(queue)))).toEqual(deadLetterIds);
    // default task queue, control queue, dag-sync queue, their three dead-letter queues, and failed events.
    expect(queues).toHaveLength(7);
    for (const [id, queue] of queues) {
      expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
      if (deadLetterIds.has(id)) {
        expect(queue.Properties.RedrivePolicy, id).toBeUndefined();
        expect(queue.Properties.MessageRetentionPeriod, id).toBe(14 * 24 * 3600);
      } else {
        expect(queue.Properties.RedrivePolicy.maxReceiveCount, id).toBe(3);
      }
      const policies = t
        .resources('AWS::SQS::QueuePolicy')
        .filter(([, policy]) => (policy.Properties.Queues as Json[]).some((ref) => ref.Ref === id));
      expect(
        policies.flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]),
        id,
      ).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('hides a message at least as long as the Lambda consuming it may run', () => {
    const mappings = t.resources('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(3);
    for (const [id, mapping] of mappings) {
      const queue = t.json.Resources[mapping.Properties.EventSourceArn['Fn::GetAtt'][0]];
      const consumer = t.json.Resources[mapping.Properties.FunctionName.Ref];
      expect(queue.Properties.VisibilityTimeout, id).toBeGreaterThanOrEqual(consumer.Properties.Timeout);
    }
    // The worker's 15 minutes plus the 30 s margin, on the task and the control queue alike.
    expect(t.resource(airstep().queues.taskQueues.default!).Properties.VisibilityTimeout).toBe(930);
    expect(t.resource(airstep().queues.controlQueue).Properties.VisibilityTimeout).toBe(930);
  });

  it('feeds dag-sync from the dag-sync queue and the worker from the task and control queues, with partial batch failures', () => {
    const sources = t.resources('AWS::Lambda::EventSourceMapping').map(([, mapping]) => ({
      queue: mapping.Properties.EventSourceArn['Fn::GetAtt'][0],
      fn: mapping.Properties.FunctionName.Ref,
      batch: mapping.Properties.BatchSize,
      responses: mapping.Properties.FunctionResponseTypes,
    }));
    const { queues } = airstep();
    expect(sources).toEqual(
      expect.arrayContaining([
        { queue: t.id(queues.dagEvents), fn: t.id(fn('dagSync')), batch: 10, responses: ['ReportBatchItemFailures'] },
        {
          queue: t.id(queues.taskQueues.default!),
          fn: t.id(fn('worker')),
          batch: 1,
          responses: ['ReportBatchItemFailures'],
        },
        { queue: t.id(queues.controlQueue), fn: t.id(fn('worker')), batch: 1, responses: ['ReportBatchItemFailures'] },
      ]),
    );
  });
});

describe('Construct: Airstep — Lambdas', () => {
  it('runs four Node 22+ ARM Lambdas from lambdas/<name>/index.ts with X-Ray and JSON logs', () => {
    for (const name of FUNCTION_NAMES) {
      const { Properties: p } = fnResource(name);
      expect(Number(/^nodejs(\d+)\.x$/.exec(p.Runtime)?.[1]), name).toBeGreaterThanOrEqual(22);
      expect(p.Architectures, name).toEqual(['arm64']);
      expect(p.TracingConfig, name).toEqual({ Mode: 'Active' });
      expect(p.LoggingConfig, name).toEqual({ LogFormat: 'JSON', LogGroup: expect.anything() });
      expect(p.Handler, name).toBe('index.handler');
      expect(p.Environment.Variables.POWERTOOLS_SERVICE_NAME, name).toBe(SERVICE_NAMES[name]);
      expect(p.Environment.Variables.NODE_OPTIONS, name).toBe('--enable-source-maps');
    }
    expect(fnResource('worker').Properties.Timeout).toBe(900);
    expect(fnResource('worker').Properties.MemorySize).toBe(1024);
  });

  it('gives each function exactly the AIRSTEP_* variables its handler reads, pointing at this stack', () => {
    for (const name of FUNCTION_NAMES) {
      const variables = fnResource(name).Properties.Environment.Variables as Record<string, Json>;
      const airstepVariables = Object.keys(variables).filter((key) => key.startsWith('AIRSTEP_'));
      expect(airstepVariables.sort(), name).toEqual(
        stackEnvReadBy(name)
          .map((key) => STACK_ENV[key])
          .sort(),
      );
    }
    const ids = tableIds();
    const dagSync = fnResource('dagSync').Properties.Environment.Variables;
    expect(dagSync[STACK_ENV.dagsTable]).toEqual({ Ref: ids.dags });
    expect(dagSync[STACK_ENV.importErrorsTable]).toEqual({ Ref: ids.importErrors });
    expect(dagSync[STACK_ENV.controlQueueUrl]).toEqual({ Ref: t.id(airstep().queues.controlQueue) });
    expect(dagSync[STACK_ENV.stateMachineRoleArn]).toEqual(arnOf(t.id(airstep().stateMachineRole.role)));
    expect(dagSync[STACK_ENV.scheduleGroup]).toBe('airstep-dags');
    expect(dagSync[STACK_ENV.schedulerRoleArn]).toEqual(arnOf(t.id(airstep().schedules.invokeRole)));
    expect(dagSync[STACK_ENV.triggerFunctionArn]).toEqual(arnOf(t.id(fn('trigger'))));
    expect(dagSync[STACK_ENV.namePrefix]).toBe('airstep');
    expect(dagSync[STACK_ENV.assignPublicIp]).toBe('ENABLED');
    expect(dagSync[STACK_ENV.stateMachineLogGroupArn]).toEqual(arnOf(t.id(airstep().stateMachineRole.logGroup)));
    expect(dagSync[STACK_ENV.stateMachineLogLevel]).toBe('ERROR');
    // The family the task definition registers under, with no revision.
    expect(dagSync[STACK_ENV.workerTaskDefinition]).toBe(
      t.resource(airstep().fargate.taskDefinition).Properties.Family,
    );
    expect(JSON.stringify(dagSync[STACK_ENV.taskQueueUrls])).toContain(t.id(airstep().queues.taskQueues.default!));
    const worker = fnResource('worker').Properties.Environment.Variables;
    expect(worker[STACK_ENV.bucket]).toEqual({ Ref: t.id(airstep().bucket.bucket) });
    expect(worker[STACK_ENV.taskInstancesTable]).toEqual({ Ref: ids.taskInstances });
    expect(worker[STACK_ENV.poolSlotsTable]).toEqual({ Ref: ids.poolSlots });
    const recorder = fnResource('recorder').Properties.Environment.Variables;
    expect(recorder[STACK_ENV.alertsTopicArn]).toEqual({ Ref: t.id(airstep().alerts.topic) });
    expect(recorder[STACK_ENV.runsTable]).toEqual({ Ref: ids.runs });
    expect(fnResource('trigger').Properties.Environment.Variables[STACK_ENV.queuedRunsTable]).toEqual({
      Ref: ids.queuedRuns,
    });
    // Where the trigger writes the fires it refuses or cannot read.
    expect(fnResource('trigger').Properties.Environment.Variables[STACK_ENV.failedEventsQueueUrl]).toEqual({
      Ref: t.id(airstep().queues.failedEvents),
    });
  });

  it('keeps events the asynchronous functions fail on in the failed-events queue', () => {
    const failedEvents = arnOf(t.id(airstep().queues.failedEvents));
    for (const name of ['trigger', 'recorder'] as const) {
      expect(fnResource(name).Properties.DeadLetterConfig, name).toEqual({ TargetArn: failedEvents });
    }
    for (const name of ['dagSync', 'worker'] as const) {
      expect(fnResource(name).Properties.DeadLetterConfig, name).toBeUndefined();
    }
  });

  it('sends Step Functions status changes of this stack’s state machines (by name prefix) to the recorder', () => {
    const rule = (t.resources('AWS::Events::Rule') as Array<[string, Json]>)
      .map(([, found]) => found)
      .find((found) => found.Properties.EventPattern.source?.[0] === 'aws.states')!;
    expect(rule.Properties.EventPattern.source).toEqual(['aws.states']);
    expect(rule.Properties.EventPattern['detail-type']).toEqual(['Step Functions Execution Status Change']);
    const [prefix] = rule.Properties.EventPattern.detail.stateMachineArn;
    expect(JSON.stringify(prefix.prefix)).toMatch(/:states:.*AWS::Region.*AWS::AccountId.*:stateMachine:airstep-"/);
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: arnOf(t.id(fn('recorder'))),
        DeadLetterConfig: { Arn: arnOf(t.id(airstep().queues.failedEvents)) },
        RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
      }),
    ]);
  });

  it('bundles each Lambda with esbuild into an ES module and a source map, under 1 MB each', () => {
    const sizes: Record<string, number> = {};
    for (const name of FUNCTION_NAMES) {
      const hash = String(fnResource(name).Properties.Code.S3Key).replace(/\.zip$/, '');
      const folder = join(outdir, `asset.${hash}`);
      const code = statSync(join(folder, 'index.mjs')).size;
      // What the zip holds: the bundle and its source map, deflated.
      const zipped = ['index.mjs', 'index.mjs.map']
        .map((file) => deflateRawSync(readFileSync(join(folder, file))).length)
        .reduce((a, b) => a + b, 0);
      sizes[name] = code;
      expect(code, `${name} bundle`).toBeLessThanOrEqual(1_000_000);
      expect(zipped, `${name} zipped package`).toBeLessThanOrEqual(1_000_000);
      expect(readFileSync(join(folder, 'index.mjs'), 'utf8'), name).toContain('sourceMappingURL=index.mjs.map');
    }
    // Four distinct bundles, not one asset shared by all, and the evaluator's apart from them.
    const keys = new Set(FUNCTION_NAMES.map((name) => fnResource(name).Properties.Code.S3Key));
    expect(keys.size).toBe(4);
    expect(keys).not.toContain(t.resource(airstep().functions.evaluator).Properties.Code.S3Key);
    expect(Object.keys(sizes)).toHaveLength(4);
  });

  it('runs DAG code in an evaluator whose role may write its own logs and nothing else; only dag-sync invokes it', () => {
    const { evaluator, evaluatorLogs } = airstep().functions;
    const { Properties: p } = t.resource(evaluator);
    expect(p.Handler).toBe('index.handler');
    expect(p.LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: { Ref: t.id(evaluatorLogs) } });
    // No X-Ray (its role could not write traces) and no Airstep variables: it is told nothing about the stack.
    expect(p.TracingConfig).toBeUndefined();
    expect(Object.keys(p.Environment.Variables).filter((key) => key.startsWith('AIRSTEP_'))).toEqual([]);
    const role = t.resource(evaluator.role!);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
    expect(t.statementsOf(evaluator.role!)).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [t.id(evaluatorLogs), 'Arn'] },
      },
    ]);
    // dag-sync is the one role that may invoke it, on the function itself (no version, no other function).
    const invokers = t
      .resources('AWS::IAM::Policy')
      .filter(([, policy]) =>
        (policy.Properties.PolicyDocument.Statement as Json[]).some(
          (statement) =>
            actionsOf(statement).some((action) => action.startsWith('lambda:')) &&
            JSON.stringify(statement.Resource).includes(t.id(evaluator)),
        ),
      )
      .map(([, policy]) => policy.Properties.Roles);
    expect(invokers).toEqual([[{ Ref: t.id(fn('dagSync').role!) }]]);
    const invoke = statementsOfFunction('dagSync').filter((statement) =>
      actionsOf(statement).includes('lambda:InvokeFunction'),
    );
    // Besides the evaluator, the trigger: a deployment's catchup fires.
    expect(invoke).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arnOf(t.id(evaluator)) },
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arnOf(t.id(fn('trigger'))) },
    ]);
    expect(fnResource('dagSync').Properties.Environment.Variables[STACK_ENV.evaluatorFunction]).toEqual({
      Ref: t.id(evaluator),
    });
  });
});

describe('Construct: Airstep — IAM bounds', () => {
  it('lets the state machines send only to the stack’s task and control queues, and run only the worker task', () => {
    const { stateMachineRole, queues, fargate } = airstep();
    const statements = t.statementsOf(stateMachineRole.role);
    // The stack's own queues; the example data's message targets are granted apart, with sns:Publish.
    const send = statements.filter(
      (statement) => actionsOf(statement).includes('sqs:SendMessage') && !actionsOf(statement).includes('sns:Publish'),
    );
    expect(send).toHaveLength(1);
    expect(resourcesOf(send[0]!)).toEqual(
      expect.arrayContaining([arnOf(t.id(queues.taskQueues.default!)), arnOf(t.id(queues.controlQueue))]),
    );
    expect(resourcesOf(send[0]!)).toHaveLength(2);

    const runTask = statements.filter((statement) => actionsOf(statement).includes('ecs:RunTask'));
    const taskDefinitionArn = (family: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ecs:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:task-definition/${family}:*`,
        ],
      ],
    });
    expect(runTask).toEqual([
      expect.objectContaining({
        // Every revision of the worker's family (which the compiled ASL names) and of the container tasks'
        // families dag-sync registers, in the stack's cluster only.
        Resource: [taskDefinitionArn(fargate.taskDefinition.family), taskDefinitionArn('airstep-*')],
        Condition: { ArnEquals: { 'ecs:cluster': arnOf(t.id(fargate.cluster)) } },
      }),
    ]);
    const passRole = statements.filter((statement) => actionsOf(statement).includes('iam:PassRole'));
    expect(passRole).toHaveLength(1);
    expect(passRole[0]!.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    expect(new Set(resourcesOf(passRole[0]!).map((r: Json) => r['Fn::GetAtt'][0]))).toEqual(
      new Set([
        t.id(fargate.taskDefinition.taskRole),
        t.id(fargate.taskDefinition.executionRole!),
        t.id(fargate.containerTaskRole),
        t.id(fargate.containerExecutionRole),
      ]),
    );

    // triggerDag steps invoke the stack's trigger function (and no other); cross-DAG waits read the run tables.
    const invoke = statements.filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    expect(JSON.stringify(resourcesOf(invoke[0]!))).toBe(
      JSON.stringify([
        { 'Fn::GetAtt': [t.id(fn('trigger')), 'Arn'] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [t.id(fn('trigger')), 'Arn'] }, ':*']] },
      ]),
    );

    // Nothing else: states:* only for Distributed Maps (child executions), no Lambda but the trigger.
    const actions = new Set(statements.flatMap(actionsOf));
    expect([...actions].sort()).toEqual(
      [
        'ecs:RunTask',
        'iam:PassRole',
        'lambda:InvokeFunction',
        // Execution logs go through CloudWatch Logs' log delivery, with this role.
        'logs:CreateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:DescribeLogGroups',
        'logs:DescribeResourcePolicies',
        'logs:GetLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:UpdateLogDelivery',
        // The example data (buckets, the audit table, the alerts topic, the default bus), read and written by
        // native steps and sensors.
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:UpdateItem',
        'events:PutEvents',
        // A split DAG's parent: the managed rule of `startExecution.sync:2` (child-machine-grants.ts).
        'events:DescribeRule',
        'events:PutRule',
        'events:PutTargets',
        'sns:Publish',
        // The athena_query example's awsSdk steps (awsSdkPermissions of the example data), on its workgroup.
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StartQueryExecution',
        'athena:StopQueryExecution',
        's3:AbortMultipartUpload',
        's3:ListMultipartUploadParts',
        // A Distributed Map: its items as child executions of the same state machine (test/iam has the bounds).
        'states:StartExecution',
        'states:DescribeExecution',
        'states:StopExecution',
        's3:DeleteObject',
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
        'sqs:SendMessage',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    // S3 only on the buckets the stack names for the example DAGs, and a Distributed Map's items and results
    // under the stack bucket's xcom/ (test/iam/distributed-map-grants.test.ts).
    const s3Resources = statements
      .filter((statement) => actionsOf(statement).some((action) => action.startsWith('s3:')))
      .flatMap(resourcesOf)
      .map((resource: Json) => JSON.stringify(resource))
      .filter((resource: string) => !resource.includes('/xcom/'));
    expect(s3Resources).toHaveLength(EXAMPLE_DATA_BUCKETS.length * 2);
    for (const bucket of EXAMPLE_DATA_BUCKETS) {
      expect(s3Resources.filter((resource) => resource.includes(`:s3:::${bucket}`))).toHaveLength(2);
    }
    t.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'states.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ],
      },
    });
  });

  it('uses a * resource only for actions that have no resource-level permissions, and no wildcard actions', () => {
    const withoutResources = new Set([
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'states:SendTaskSuccess',
      'states:SendTaskFailure',
      'states:SendTaskHeartbeat',
      'scheduler:ListSchedules',
      // dag-sync lists its asset watchers' rules by name prefix.
      'events:ListRules',
      'ecr:GetAuthorizationToken',
      // Held to the Airstep namespace by a condition (the recorder's run metrics).
      'cloudwatch:PutMetricData',
      'ecs:RegisterTaskDefinition',
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ]);
    const statements = t
      .resources('AWS::IAM::Policy')
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);
    expect(statements.length).toBeGreaterThan(20);
    for (const statement of statements) {
      for (const action of actionsOf(statement)) {
        expect(action).not.toBe('*');
        expect(action).not.toMatch(/:\*$/);
        if (resourcesOf(statement).includes('*')) expect(withoutResources, action).toContain(action);
      }
    }
  });

  it('gives each function only the tables, bucket prefixes and Step Functions actions it uses', () => {
    const ids = tableIds();
    const tableNamesOf = (name: FunctionName, write: boolean) => {
      const byId = new Map(Object.entries(ids).map(([table, id]) => [id, table]));
      return new Set(
        statementsOfFunction(name)
          .filter((statement) =>
            actionsOf(statement).some(
              (action) => action.startsWith('dynamodb:') && (!write || /Put|Update|Delete|Write/.test(action)),
            ),
          )
          .flatMap((statement) => [...referencedIds(statement.Resource)])
          .map((id) => byId.get(id))
          .filter((table) => table !== undefined),
      );
    };
    expect(tableNamesOf('dagSync', false)).toEqual(new Set(['dags', 'importErrors']));
    expect(tableNamesOf('worker', false)).toEqual(new Set(['taskInstances', 'poolSlots']));
    expect(tableNamesOf('trigger', false)).toEqual(new Set(['dags', 'runs', 'queuedRuns']));
    // Writes to dags: the admission lease item only (the code decides that; IAM cannot name a sort key).
    expect(tableNamesOf('trigger', true)).toEqual(new Set(['dags', 'runs', 'queuedRuns']));
    expect(tableNamesOf('recorder', false)).toEqual(
      new Set(['dags', 'runs', 'taskInstances', 'queuedRuns', 'poolSlots']),
    );
    expect(tableNamesOf('recorder', true)).toEqual(
      new Set(['dags', 'runs', 'taskInstances', 'queuedRuns', 'poolSlots']),
    );

    const bucketId = t.id(airstep().bucket.bucket);
    const objectAccess = (name: FunctionName) =>
      statementsOfFunction(name)
        .filter((statement) => actionsOf(statement).some((action) => action.startsWith('s3:')))
        .flatMap((statement) =>
          resourcesOf(statement)
            .filter((resource: Json) => referencedIds(resource).has(bucketId))
            .map((resource: Json) => {
              const prefix = /\/(\w+)\/\*"/.exec(JSON.stringify(resource))?.[1] ?? '(bucket)';
              const kinds = actionsOf(statement).some((action) => action.startsWith('s3:Put')) ? 'write' : 'read';
              return `${prefix}:${kinds}`;
            }),
        )
        .filter((entry) => !entry.startsWith('(bucket)'));
    expect(new Set(objectAccess('dagSync'))).toEqual(new Set(['dags:read', 'artifacts:write']));
    expect(new Set(objectAccess('worker'))).toEqual(new Set(['artifacts:read', 'xcom:read', 'xcom:write']));
    expect(objectAccess('trigger')).toEqual([]);
    expect(objectAccess('recorder')).toEqual([]);
    // The recorder reads compiled manifests only (which callbacks a run has), nothing else of the bucket.
    const recorderS3 = statementsOfFunction('recorder').filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('s3:')),
    );
    expect(recorderS3.flatMap(actionsOf)).toEqual(['s3:GetObject']);
    expect(JSON.stringify(recorderS3.flatMap(resourcesOf))).toContain('/artifacts/*/manifest.json');
    // Nothing deletes from the Airstep bucket (the data buckets task code may write are another matter).
    for (const name of FUNCTION_NAMES) {
      const actions = statementsOfFunction(name)
        .filter((statement) => resourcesOf(statement).some((resource: Json) => referencedIds(resource).has(bucketId)))
        .flatMap(actionsOf);
      expect(
        actions.filter((action) => action.startsWith('s3:Delete')),
        name,
      ).toEqual([]);
    }

    // The worker sends a try deferred for a pool slot back onto its task queue; the asynchronously invoked
    // trigger and recorder send only their failed events (Lambda's dead-letter queue), the recorder callbacks to
    // the control queue; dag-sync sends nothing.
    const sendTo = (name: FunctionName) =>
      statementsOfFunction(name)
        .filter(
          (statement) =>
            actionsOf(statement).includes('sqs:SendMessage') && !actionsOf(statement).includes('sns:Publish'),
        )
        .flatMap(resourcesOf);
    expect(sendTo('worker')).toEqual([arnOf(t.id(airstep().queues.taskQueues.default!))]);
    expect(sendTo('trigger')).toEqual([arnOf(t.id(airstep().queues.failedEvents))]);
    expect(new Set(sendTo('recorder'))).toEqual(
      new Set([arnOf(t.id(airstep().queues.failedEvents)), arnOf(t.id(airstep().queues.controlQueue))]),
    );
    expect(sendTo('dagSync')).toEqual([]);
    // The trigger writes refused fires to the failed-events queue itself: SendMessage there and no other SQS action.
    const failedEventsId = t.id(airstep().queues.failedEvents);
    const triggerSqs = statementsOfFunction('trigger').filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('sqs:')),
    );
    expect(triggerSqs.flatMap(actionsOf)).toEqual(['sqs:SendMessage']);
    expect(triggerSqs.flatMap(resourcesOf)).toEqual([arnOf(failedEventsId)]);
    expect(
      statementsOfFunction('trigger')
        .filter((statement) => referencedIds(statement.Resource).has(failedEventsId))
        .flatMap(actionsOf),
    ).toEqual(['sqs:SendMessage']);

    const states = (name: FunctionName) =>
      new Set(
        statementsOfFunction(name)
          .flatMap(actionsOf)
          .filter((action) => action.startsWith('states:')),
      );
    expect(states('trigger')).toEqual(new Set(['states:StartExecution']));
    // DescribeExecution: a missed deadline's callback reads the run's context from its execution's input.
    expect(states('recorder')).toEqual(
      new Set(['states:StartExecution', 'states:GetExecutionHistory', 'states:DescribeExecution']),
    );
    expect(states('worker')).toEqual(
      new Set(['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat']),
    );
    expect(states('dagSync')).toEqual(
      new Set([
        'states:CreateStateMachine',
        'states:UpdateStateMachine',
        'states:DescribeStateMachine',
        'states:PublishStateMachineVersion',
        'states:CreateStateMachineAlias',
        'states:UpdateStateMachineAlias',
        // A split DAG's children that a later version no longer has.
        'states:DeleteStateMachine',
      ]),
    );
    // Every states: resource names this Airstep's state machines, by prefix.
    for (const name of ['dagSync', 'trigger', 'recorder'] as const) {
      for (const statement of statementsOfFunction(name).filter((s) => actionsOf(s)[0]!.startsWith('states:'))) {
        for (const resource of resourcesOf(statement)) {
          expect(JSON.stringify(resource), name).toMatch(/:(stateMachine|execution):airstep-\*/);
        }
      }
    }
    // dag-sync passes the state-machine and scheduler roles, and the container roles to ECS only.
    const passRole = statementsOfFunction('dagSync').filter((s) => actionsOf(s).includes('iam:PassRole'));
    const passed = (statements: Statement[]) =>
      new Set(statements.flatMap(resourcesOf).map((r: Json) => r['Fn::GetAtt'][0]));
    expect(passed(passRole.filter((s) => s.Condition === undefined))).toEqual(
      new Set([t.id(airstep().stateMachineRole.role), t.id(airstep().schedules.invokeRole)]),
    );
    const toEcs = passRole.filter((s) => s.Condition !== undefined);
    expect(toEcs.map((s) => s.Condition)).toEqual([
      { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    ]);
    expect(passed(toEcs)).toEqual(
      new Set([t.id(airstep().fargate.containerTaskRole), t.id(airstep().fargate.containerExecutionRole)]),
    );
    expect(
      statementsOfFunction('dagSync')
        .filter((s) => actionsOf(s).some((action) => action.startsWith('ecs:')))
        .flatMap(actionsOf),
    ).toEqual(['ecs:RegisterTaskDefinition']);
  });

  it('creates the schedule group and a role only its schedules may assume, which may only invoke the trigger', () => {
    const { schedules } = airstep();
    t.template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'airstep-dags' });
    expect(t.resource(schedules.invokeRole).Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnEquals: { 'aws:SourceArn': arnOf(t.id(schedules.group)) },
        },
      }),
    ]);
    const statements = t.statementsOf(schedules.invokeRole);
    expect(statements.flatMap(actionsOf)).toEqual(['lambda:InvokeFunction']);
    expect(referencedIds(statements.flatMap(resourcesOf))).toEqual(new Set([t.id(fn('trigger'))]));
  });

  it('creates the deadline schedule group, whose role may only invoke the recorder; only the trigger passes it', () => {
    const { deadlineSchedules } = airstep();
    t.template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'airstep-deadlines' });
    expect(t.resource(deadlineSchedules.invokeRole).Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnEquals: { 'aws:SourceArn': arnOf(t.id(deadlineSchedules.group)) },
        },
      }),
    ]);
    const statements = t.statementsOf(deadlineSchedules.invokeRole);
    expect(statements.flatMap(actionsOf)).toEqual(['lambda:InvokeFunction']);
    expect(referencedIds(statements.flatMap(resourcesOf))).toEqual(new Set([t.id(fn('recorder'))]));
    // Only the trigger may pass the role (to Scheduler); only it creates deadline schedules, only the recorder
    // deletes them.
    const passers = FUNCTION_NAMES.filter((name) =>
      statementsOfFunction(name).some(
        (statement) =>
          actionsOf(statement).includes('iam:PassRole') &&
          referencedIds(resourcesOf(statement)).has(t.id(deadlineSchedules.invokeRole)),
      ),
    );
    expect(passers).toEqual(['trigger']);
    const scheduleActions = (name: (typeof FUNCTION_NAMES)[number]) =>
      statementsOfFunction(name)
        .filter((statement) => JSON.stringify(resourcesOf(statement)).includes('schedule/airstep-deadlines/*'))
        .flatMap(actionsOf);
    expect(FUNCTION_NAMES.map((name) => [name, scheduleActions(name)])).toEqual(
      FUNCTION_NAMES.map((name) => [
        name,
        name === 'trigger' ? ['scheduler:CreateSchedule'] : name === 'recorder' ? ['scheduler:DeleteSchedule'] : [],
      ]),
    );
  });
});

describe('Construct: Airstep — Fargate, alerts and outputs', () => {
  it('defines an ARM64 Fargate worker named as the compiled ASL expects, in a VPC without NAT', () => {
    const task = t.resource(airstep().fargate.taskDefinition).Properties;
    expect(task.RequiresCompatibilities).toEqual(['FARGATE']);
    expect(task.RuntimePlatform).toEqual({ CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' });
    expect([task.Cpu, task.Memory]).toEqual(['512', '1024']);
    // lib/compiler/task-states.ts overrides the container named `worker`.
    expect(task.ContainerDefinitions.map((container: Json) => container.Name)).toEqual(['worker']);
    const environment = task.ContainerDefinitions[0].Environment.map((variable: Json) => variable.Name);
    expect(environment.sort()).toEqual(
      stackEnvReadBy('fargate-worker/fargate-try.ts')
        .map((key) => STACK_ENV[key])
        .sort(),
    );
    t.template.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.template.resourceCountIs('AWS::EC2::VPC', 1);
  });

  it('lets the Fargate worker take and give back pool slots (Get and conditional Update of an item), no more', () => {
    const ids = tableIds();
    const dynamoOf = (table: TableName) =>
      t
        .statementsOf(airstep().fargate.taskDefinition.taskRole)
        .filter((statement) => referencedIds(statement.Resource).has(ids[table]))
        .flatMap(actionsOf)
        .filter((action) => action.startsWith('dynamodb:'))
        .sort();
    expect(dynamoOf('poolSlots')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    // Every table it may touch: gates and answered tries (taskInstances), slots (poolSlots).
    const tablesTouched = (Object.keys(ids) as TableName[]).filter((table) => dynamoOf(table).length > 0);
    expect(tablesTouched.sort()).toEqual(['poolSlots', 'taskInstances']);
    // It reads pool sizes and the table from the environment the construct gives its container.
    const variables = t.resource(airstep().fargate.taskDefinition).Properties.ContainerDefinitions[0].Environment;
    expect(variables).toEqual(
      expect.arrayContaining([
        { Name: STACK_ENV.poolSlotsTable, Value: { Ref: ids.poolSlots } },
        { Name: STACK_ENV.pools, Value: expect.any(String) },
      ]),
    );
    const [[, group]] = t.resources('AWS::EC2::SecurityGroup') as [[string, Json]];
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
  });

  it('encrypts the alerts topic with a key of its own that CloudWatch alarms of this account may use, so alarms deliver', () => {
    // CloudWatch alarm actions cannot publish to a topic under the AWS-managed aws/sns key (its policy cannot grant
    // the service); the stack's key and topic policies let this account's alarms, and nothing else, use them.
    const keyId = t.id(airstep().alerts.topicKey);
    t.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    const onlyThisAccountsAlarms = {
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: {
        'aws:SourceArn': {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':cloudwatch:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':alarm:*',
            ],
          ],
        },
      },
    };
    const [[, key]] = t.resources('AWS::KMS::Key') as [[string, Json]];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeyPolicy.Statement).toEqual(
      expect.arrayContaining([
        {
          Sid: 'CloudWatchAlarmsEncryptAlerts',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: onlyThisAccountsAlarms,
        },
      ]),
    );
    t.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: t.id(airstep().alerts.topic) },
            Condition: onlyThisAccountsAlarms,
          },
        ]),
      },
    });
    // The recorder publishes failed runs and deadline misses to the topic: it may use the key for that.
    expect(statementsOfFunction('recorder')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Allow',
          Action: expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']),
          Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
        }),
      ]),
    );
  });

  it('sends every alarm to the encrypted, TLS-only alerts topic: failed runs, each dead-letter queue, each Lambda', () => {
    const topic = { Ref: t.id(airstep().alerts.topic) };
    t.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    t.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topic],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    const alarms = t.resources('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([topic]);
      expect(alarm.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
      expect(alarm.Threshold).toBe(1);
    }
    const deadLetterIds = airstep().queues.deadLetterQueues.map((queue) => t.id(queue));
    const dlqAlarms = alarms.filter((alarm) => alarm.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(new Set(dlqAlarms.flatMap((alarm) => [...referencedIds(alarm.Dimensions)]))).toEqual(new Set(deadLetterIds));
    const functionAlarms = alarms.filter((alarm) => alarm.Namespace === 'AWS/Lambda');
    expect(new Set(functionAlarms.flatMap((alarm) => [...referencedIds(alarm.Dimensions)]))).toEqual(
      new Set(FUNCTION_NAMES.map((name) => t.id(fn(name)))),
    );
    // The failed-runs and deadline alarms watch series the recorder publishes: namespace, name and only dimension.
    const recorderService = [
      { Name: 'service', Value: fnResource('recorder').Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME },
    ];
    expect(alarms.filter((alarm) => alarm.Namespace === METRICS_NAMESPACE)).toEqual([
      expect.objectContaining({ MetricName: 'RunsFailed', Dimensions: recorderService, Statistic: 'Sum' }),
      expect.objectContaining({ MetricName: 'DeadlineMissed', Dimensions: recorderService, Statistic: 'Sum' }),
    ]);
    expect(alarms).toHaveLength(2 + deadLetterIds.length + FUNCTION_NAMES.length);
    // The failed-events queue (a refused or unreadable schedule fire, an invocation that kept failing) has its own
    // alarm, whose description (in the alert) says what landed there and where the reason is.
    const failedEventsId = t.id(airstep().queues.failedEvents);
    const failedEventAlarms = dlqAlarms.filter((alarm) => referencedIds(alarm.Dimensions).has(failedEventsId));
    expect(failedEventAlarms).toHaveLength(1);
    const [failedEventsAlarm] = failedEventAlarms;
    expect(failedEventsAlarm.Statistic).toBe('Maximum');
    const description = JSON.stringify(failedEventsAlarm.AlarmDescription);
    expect(description).toContain('failed-events queue');
    expect(description).toContain(`"Fn::GetAtt":["${failedEventsId}","QueueName"]`);
    expect(description).toContain('schedule fire the trigger refused or could not read');
    expect(description).toContain('ErrorCode');
    for (const alarm of dlqAlarms.filter((a) => a !== failedEventsAlarm)) {
      expect(alarm.AlarmDescription).toBe('Messages reached an Airstep dead-letter queue');
    }
  });

  it('charts only metrics something publishes: the recorder’s run metrics and the import-error log filter', () => {
    const recorder = readFileSync('lambdas/recorder/index.ts', 'utf8');
    // The recorder publishes through run-metrics.ts (namespace and dimensions from the stack contract): every
    // metric it counts is one the dashboard charts.
    expect(recorder).toContain('publishRunMetrics(cloudwatch, runMetricData(');
    expect(METRICS_NAMESPACE).toBe('Airstep');
    const published = new Set(
      [...recorder.matchAll(/\b(RunsStarted|RunsSucceeded|RunsFailed|TasksFailed|RunDuration|DeadlineMissed): /g)].map(
        (match) => match[1],
      ),
    );
    expect(published).toEqual(new Set(RECORDER_METRICS));

    const [[, dashboard]] = t.resources('AWS::CloudWatch::Dashboard') as [[string, Json]];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    const charted = new Set([...body.matchAll(/\\"Airstep\\",\\"(\w+)\\"/g)].map((match) => match[1]));
    expect(charted).toEqual(new Set([...RECORDER_METRICS, IMPORT_ERRORS_METRIC]));
    for (const title of [
      'Runs',
      'Task failures',
      'Deadline misses',
      'Durations (ms)',
      'Queue depth',
      'Dead letters',
      'Import errors',
      'Lambda errors',
    ]) {
      expect(body).toContain(`\\"title\\":\\"${title}\\"`);
    }
    const [[, filter]] = t.resources('AWS::Logs::MetricFilter') as [[string, Json]];
    expect(filter.Properties.LogGroupName).toEqual({ Ref: t.id(airstep().functions.logGroups.dagSync) });
    expect(filter.Properties.FilterPattern).toBe('{ ($.message = "synced") && ($.outcome = "import-error") }');
    expect(filter.Properties.MetricTransformations).toEqual([
      { MetricNamespace: METRICS_NAMESPACE, MetricName: IMPORT_ERRORS_METRIC, MetricValue: '1' },
    ]);
  });

  it('draws every DAG’s run metrics in one graph each (SEARCH over DagId), with top-10 bars, naming no DAG', () => {
    const perDag = dashboardWidgets().filter((widget) => JSON.stringify(widget).includes('SEARCH('));
    const expressions = perDag.map((widget) => [
      widget.properties.title,
      widget.properties.view,
      widget.properties.metrics.map((metric: Json[]) => (metric[0] as Json).expression),
    ]);
    const search = (metric: string, stat: string) =>
      `SEARCH('{${METRICS_NAMESPACE},${DAG_DIMENSION}} MetricName="${metric}"', '${stat}', 300)`;
    expect(expressions).toEqual([
      [`Top ${TOP_DAGS} failing DAGs (failed runs)`, 'bar', [`SORT(${search('RunsFailed', 'Sum')}, SUM, DESC, 10)`]],
      ['Failed runs per DAG', 'timeSeries', [search('RunsFailed', 'Sum')]],
      ['Task failures per DAG', 'timeSeries', [search('TasksFailed', 'Sum')]],
      ['Deadline misses per DAG', 'timeSeries', [search('DeadlineMissed', 'Sum')]],
      [
        `Top ${TOP_DAGS} slowest DAGs (longest run, ms)`,
        'bar',
        [`SORT(${search('RunDuration', 'Maximum')}, MAX, DESC, 10)`],
      ],
      ['Run duration per DAG (average, ms)', 'timeSeries', [search('RunDuration', 'Average')]],
      ['Succeeded runs per DAG', 'timeSeries', [search('RunsSucceeded', 'Sum')]],
      ['Started runs per DAG', 'timeSeries', [search('RunsStarted', 'Sum')]],
    ]);
    // Each series is labelled with its DAG id; a bar is the whole time range shown, not one period.
    for (const widget of perDag) expect((widget.properties.metrics[0][0] as Json).label).toBe("${PROP('Dim.DagId')}");
    for (const widget of perDag.filter((w) => w.properties.view === 'bar'))
      expect(widget.properties.setPeriodToTimeRange).toBe(true);
  });

  it('keeps the dashboard body the same size for 1 DAG or 100 (nothing per DAG in it), far under the 1 MB limit', () => {
    const widgets = dashboardWidgets();
    // Nothing in the body names a DAG: no metric with a DagId value, so deploying DAGs never changes it.
    const metrics = widgets.flatMap((widget) => (widget.properties.metrics ?? []) as Json[][]);
    expect(metrics.filter((metric) => metric.includes(DAG_DIMENSION))).toEqual([]);
    expect(widgets.length).toBeLessThanOrEqual(20);
    expect(JSON.stringify(widgets).length).toBeLessThan(20_000);
  });

  it('lets dag-sync put and delete only alarms under the stack’s per-DAG prefix, and the recorder put metrics only in Airstep', () => {
    const cloudwatchStatements = FUNCTION_NAMES.flatMap((name) =>
      statementsOfFunction(name)
        .filter((statement) => actionsOf(statement).some((action) => action.startsWith('cloudwatch:')))
        .map((statement) => ({
          name,
          actions: actionsOf(statement),
          resources: JSON.stringify(resourcesOf(statement)),
          condition: statement.Condition,
        })),
    );
    expect(cloudwatchStatements).toEqual([
      {
        name: 'dagSync',
        actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms'],
        resources: expect.stringContaining(':alarm:airstep-dag-*'),
        condition: undefined,
      },
      {
        name: 'recorder',
        actions: ['cloudwatch:PutMetricData'],
        resources: '["*"]',
        condition: { StringEquals: { 'cloudwatch:namespace': 'Airstep' } },
      },
    ]);
    // dag-sync sends per-DAG alarms to the stack's alerts topic: it is told which.
    expect(fnResource('dagSync').Properties.Environment.Variables[STACK_ENV.alertsTopicArn]).toEqual({
      Ref: t.id(airstep().alerts.topic),
    });
  });

  it('keeps every log for the configured retention', () => {
    const groups = t.resources('AWS::Logs::LogGroup');
    // Four functions and the DAG evaluator, the state machines, the Fargate worker, its containers, VPC flow logs.
    expect(groups).toHaveLength(9);
    for (const [id, group] of groups) expect(group.Properties.RetentionInDays, id).toBe(30);
  });

  it('saves "the log of one try" as a Logs Insights query over both workers’ log groups, linked from the dashboard', () => {
    const [[, query], ...others] = t.resources('AWS::Logs::QueryDefinition') as [[string, Json]];
    expect(others).toEqual([]);
    expect(query.Properties).toEqual({
      Name: 'airstep/Log of one try',
      QueryString: TRY_LOG_INSIGHTS_QUERY,
      LogGroupNames: [{ Ref: t.id(airstep().functions.logGroups.worker) }, { Ref: t.id(airstep().fargate.workerLogs) }],
    });
    // The query filters on exactly the fields a worker's line carries (lib/stack-contract/task-log-line.ts).
    const tags = { dagId: 'd', runId: 'r', taskId: 't', mapIndex: -1, tryNumber: 1 };
    for (const field of Object.keys(JSON.parse(taskLogLine(tags, 'hello')))) {
      expect(TRY_LOG_INSIGHTS_QUERY).toContain(field);
    }
    // The Fargate worker's container logs to the group the query reads.
    const [[, taskDefinition]] = t
      .resources('AWS::ECS::TaskDefinition')
      .filter(([id]) => id.includes('WorkerTask')) as [[string, Json]];
    expect(taskDefinition.Properties.ContainerDefinitions[0].LogConfiguration.Options['awslogs-group']).toEqual({
      Ref: t.id(airstep().fargate.workerLogs),
    });
    // The worker Lambda logs JSON to its own group (with retention), the first of the query's groups.
    expect(fnResource('worker').Properties.LoggingConfig).toEqual({
      LogFormat: 'JSON',
      LogGroup: { Ref: t.id(airstep().functions.logGroups.worker) },
    });
    const [[, dashboard]] = t.resources('AWS::CloudWatch::Dashboard') as [[string, Json]];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toContain('## Task logs');
    expect(body).toContain('run the saved query **airstep/Log of one try**');
    expect(body).toContain('#logsV2:logs-insights');
  });

  it('outputs the names a user needs after deploying', () => {
    expect(Object.keys(t.json.Outputs).sort()).toEqual(
      [
        'AlertsTopicArn',
        'BucketName',
        'DagsTableName',
        'DashboardName',
        'ImportErrorsTableName',
        'RunsTableName',
        'ScheduleGroupName',
        'TaskInstancesTableName',
        'TriggerFunctionName',
        'WorkerLogGroupName',
        'FargateWorkerLogGroupName',
        'ContainerLogGroupName',
        'SecretsPrefix',
      ].sort(),
    );
    expect(t.json.Outputs.BucketName.Value).toEqual({ Ref: t.id(airstep().bucket.bucket) });
    // The CLI's `--stack` / `--outputs` read these (lib/stack-contract/stack-outputs.ts).
    const tables = airstep().tables.tables;
    expect(t.json.Outputs.RunsTableName.Value).toEqual({ Ref: t.id(tables.runs) });
    expect(t.json.Outputs.TaskInstancesTableName.Value).toEqual({ Ref: t.id(tables.taskInstances) });
    expect(t.json.Outputs.DagsTableName.Value).toEqual({ Ref: t.id(tables.dags) });
    expect(t.json.Outputs.ImportErrorsTableName.Value).toEqual({ Ref: t.id(tables.importErrors) });
    // `airstep logs --stack` reads the workers' log groups (and names the containers').
    expect(t.json.Outputs.WorkerLogGroupName.Value).toEqual({ Ref: t.id(airstep().functions.logGroups.worker) });
    expect(t.json.Outputs.FargateWorkerLogGroupName.Value).toEqual({ Ref: t.id(airstep().fargate.workerLogs) });
    expect(t.json.Outputs.ContainerLogGroupName.Value).toEqual({ Ref: t.id(airstep().fargate.containerLogs) });
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no finding, error or warning, that is not acknowledged', async () => {
    const { AwsSolutionsChecks } = await import('cdk-nag');
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((violation) => `${violation.severity} ${violation.ruleName}`)).toEqual([]);
    expect(report.success).toBe(true);
    // The synthesis above ran the same checks as a plugin; its report (when written) holds no violation either.
    const reportFile = join(outdir, 'validation-report.json');
    const written = (() => {
      try {
        return JSON.parse(readFileSync(reportFile, 'utf8'));
      } catch {
        return { pluginReports: [] };
      }
    })();
    expect(written.pluginReports.flatMap((plugin: Json) => plugin.violations)).toEqual([]);
  });

  it('leaves no warning or error annotation on the stack', () => {
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('acknowledges only findings that occur, each with a specific reason', async () => {
    const { Validations } = await import('aws-cdk-lib');
    const { AwsSolutionsChecks, NagPack } = await import('cdk-nag');
    const acknowledged = new Map<string, string>();
    for (const construct of app.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
          const id = key.replace(/^annotation::/i, '');
          // CDK acknowledges some CloudFormation-validate rules on its own constructs; ours are the cdk-nag ones.
          if (id.startsWith('AwsSolutions-')) acknowledged.set(id, reason);
        }
      }
    }
    expect(acknowledged.size).toBeGreaterThan(10);
    for (const [id, reason] of acknowledged) expect(String(reason).length, id).toBeGreaterThanOrEqual(30);
    // Run the checks blind to acknowledgements: every acknowledged id must be a finding that would be reported.
    const proto = NagPack.prototype as unknown as { isAcknowledged: unknown };
    const isAcknowledged = proto.isAcknowledged;
    proto.isAcknowledged = () => false;
    let findings: string[];
    try {
      findings = new AwsSolutionsChecks().validateScope(app).violations.map((violation) => violation.ruleName);
    } finally {
      proto.isAcknowledged = isAcknowledged;
    }
    expect([...acknowledged.keys()].filter((id) => !findings.includes(id))).toEqual([]);
  });
});
