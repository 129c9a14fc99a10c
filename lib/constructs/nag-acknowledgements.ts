import { type CfnElement, Stack, Token, Validations } from 'aws-cdk-lib';
import { dagAlarmNamePrefix } from '../stack-contract/metrics.ts';
import { connectionsPath, variablesPath } from '../stack-contract/secrets-paths.ts';
import { watcherRuleNamePrefix } from '../stack-contract/watcher-rules.ts';
import type { Airstep } from './airstep.ts';

/**
 * cdk-nag (AwsSolutions) findings reviewed and accepted, each with its reason. Findings name resources by logical
 * id (`<AirstepBucket…Arn>/xcom/*`), so they are computed from this construct's own resources and hold in any
 * stack that uses it. Each one is acknowledged on the Airstep construct only, never on the whole stack or app.
 */
export function acknowledgeReviewedFindings(airstep: Airstep): void {
  const stack = Stack.of(airstep);
  const logicalId = (element: unknown) => stack.getLogicalId(element as CfnElement);
  const bucketArn = `<${logicalId(airstep.bucket.bucket.node.defaultChild)}.Arn>`;
  const runsArn = `<${logicalId(airstep.tables.tables.runs.node.defaultChild)}.Arn>`;
  const triggerArn = `<${logicalId(airstep.functions.functions.trigger.node.defaultChild)}.Arn>`;
  const recorderArn = `<${logicalId(airstep.functions.functions.recorder.node.defaultChild)}.Arn>`;
  const prefix = airstep.namePrefix;
  // cdk-nag renders the stack's region and account as written: pseudo parameters, or the literals of a stack
  // with an explicit environment.
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const arn = (service: string, resource: string) => `arn:<AWS::Partition>:${service}:${region}:${account}:${resource}`;
  const basicExecutionRole = {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'The AWS managed policy that lets a function write its own CloudWatch logs, nothing more',
  };
  // CDK puts the function that configures the bucket's event notifications at the stack root, outside Airstep.
  for (const child of stack.node.children) {
    if (child.node.id.startsWith('BucketNotificationsHandler')) Validations.of(child).acknowledge(basicExecutionRole);
  }
  const iam5 = (finding: string, reason: string) => ({ id: `AwsSolutions-IAM5[${finding}]`, reason });

  if (airstep.emulatorProfile === 'ministack')
    Validations.of(airstep).acknowledge({
      id: 'AwsSolutions-VPC7',
      reason: 'The MiniStack profile only: the emulator has no AWS::EC2::FlowLog (the AWS template keeps the flow log)',
    });
  Validations.of(airstep).acknowledge(
    basicExecutionRole,
    {
      id: 'AwsSolutions-ECS2',
      reason: 'The worker container gets resource names (bucket, table) in its environment, no secrets',
    },
    { id: 'AwsSolutions-S1', reason: 'Access logs would need a second bucket; use CloudTrail S3 data events to audit' },
    iam5(
      'Action::kms:GenerateDataKey*',
      "CDK's publish grant on the alerts topic: data keys of the topic's own key only (its resource is that key)",
    ),
    ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:Abort*'].map((action) =>
      iam5(`Action::${action}`, 'CDK bucket grants; their resources are bounded to one prefix of the Airstep bucket'),
    ),
    ...['dags', 'artifacts', 'xcom'].map((folder) =>
      iam5(`Resource::${bucketArn}/${folder}/*`, `Objects under ${folder}/ only, the prefix this role works on`),
    ),
    iam5(
      `Resource::${bucketArn}/artifacts/*/manifest.json`,
      'The recorder reads only the compiled manifests of DAG versions (which callbacks a run has)',
    ),
    iam5(
      'Resource::*',
      'Only actions without resource-level permissions: SendTask* (task tokens are not resources), X-Ray, ' +
        'scheduler:ListSchedules, events:ListRules, ecr:GetAuthorizationToken (pulling the worker image), cloudwatch:PutMetricData ' +
        '(held to the Airstep namespace by a condition); a test holds the list',
    ),
    iam5(
      `Resource::${arn('states', `stateMachine:${prefix}-*`)}`,
      'State machines are created per DAG at sync time; the name prefix bounds them to this Airstep',
    ),
    iam5(
      `Resource::${arn('states', `stateMachine:${prefix}-*:*`)}`,
      'Versions and the live alias of this Airstep’s state machines (runs finish on the version they started on)',
    ),
    iam5(
      `Resource::${arn('states', `execution:${prefix}-*`)}`,
      'Executions of this Airstep’s state machines, whose history the recorder reads',
    ),
    iam5(
      `Resource::${arn('states', `execution:${prefix}-*/*`)}`,
      'Child executions of a Distributed Map (execution:<machine>/<map run>:<id>) of this Airstep’s state machines, ' +
        'which the parent describes and stops',
    ),
    iam5(
      `Resource::${bucketArn}/xcom/map-results/*`,
      'Where a Distributed Map writes its results (ResultWriter), under xcom/ and expired with it',
    ),
    iam5(
      `Resource::${arn('scheduler', `schedule/${airstep.schedules.group.name}/*`)}`,
      'Schedules are created per DAG at sync time, all in this Airstep’s schedule group',
    ),
    iam5(
      `Resource::${arn('scheduler', `schedule/${airstep.deadlineSchedules.group.name}/*`)}`,
      'Deadline schedules are created per run (named from it) by the trigger and deleted by the recorder, all in this Airstep’s deadline group',
    ),
    iam5(
      `Resource::${arn('cloudwatch', `alarm:${dagAlarmNamePrefix(prefix)}*`)}`,
      'Per-DAG alarms (a DAG’s `alarms` option) are created and deleted by dag-sync, all under this Airstep’s prefix',
    ),
    iam5(
      `Resource::${arn('events', `rule/${watcherRuleNamePrefix(prefix)}*`)}`,
      'Asset watchers’ EventBridge rules are created and deleted by dag-sync, all under this Airstep’s prefix (their only target: the trigger)',
    ),
    iam5(`Resource::${runsArn}/index/*`, 'The runs table’s own index (byState)'),
    iam5(`Resource::${recorderArn}:*`, 'Versions of the recorder function, which deadline schedules invoke'),
    iam5(`Resource::${triggerArn}:*`, 'Versions of the trigger function, which schedules invoke'),
    iam5(
      `Resource::${arn('ecs', `task-definition/${prefix}-*:*`)}`,
      'Task definitions dag-sync registers for the DAGs’ container tasks, all in families named by this Airstep’s prefix',
    ),
    iam5(
      `Resource::${arn('ecr', 'repository/*')}`,
      'Container tasks may run images from any ECR repository of this account; pull actions only',
    ),
    iam5(
      `Resource::${arn('ecs', `task-definition/${airstep.fargate.taskDefinition.family}:*`)}`,
      'Revisions of the Fargate worker task definition: state machines name its family, so a stack update that registers a new revision needs no DAG re-synced',
    ),
    iam5(
      `Resource::${arn('ssm', `parameter${variablesPath(airstep.secretsPrefix)}*`)}`,
      'Task code reads Variables by name at run time (ctx.variable), any parameter under this Airstep’s variables path; GetParameter only',
    ),
    iam5(
      `Resource::${arn('secretsmanager', `secret:${connectionsPath(airstep.secretsPrefix)}*`)}`,
      'Task code reads Connections by id at run time (ctx.connection), any secret under this Airstep’s connections path; GetSecretValue only',
    ),
    ...airstep.dataBuckets.map((bucket) =>
      iam5(
        `Resource::arn:<AWS::Partition>:s3:::${bucket}/*`,
        `Objects of ${bucket}, named in the props for native S3 steps and task code`,
      ),
    ),
    ...airstep.dataTables.map((table) =>
      iam5(
        `Resource::${arn('dynamodb', `table/${table}/index/*`)}`,
        `Indexes of ${table}, named in the props for native DynamoDB steps and task code`,
      ),
    ),
  );
}
