import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface StateMachineRoleProps {
  /** Task and control queues: the only queues the state machines send work to. */
  readonly queues: readonly sqs.IQueue[];
  /** Lambda functions DAGs may call with `invokeLambda` (ARNs; add `<arn>:*` for versions). @default - none */
  readonly invokableFunctionArns?: readonly string[];
  /** Buckets native S3 steps may list, read, write and copy within (names). @default - none */
  readonly dataBuckets?: readonly string[];
  /** DynamoDB tables native steps may use (names). @default - none */
  readonly dataTables?: readonly string[];
  /** SNS topics and SQS queues native steps may publish to (ARNs). @default - none */
  readonly messageTargets?: readonly string[];
  /** EventBridge buses native steps may put events on (ARNs). @default - none */
  readonly eventBuses?: readonly string[];
  /** How long execution logs are kept. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The role every DAG state machine assumes, and the log group they write execution logs to. By default it may send messages to the stack's task and control
 * queues (`sqs:sendMessage[.waitForTaskToken]`) and write X-Ray traces (dag-sync creates state machines with
 * tracing on), nothing else; each native-step permission is opened only for the resources named in the props.
 * The compiled ASL calls no `states:` integration, so the role has no `states:` action. The construct adds
 * `ecs:RunTask` on the worker task definition and `iam:PassRole` for its two roles.
 */
export class StateMachineRole extends Construct {
  readonly role: iam.Role;
  /** Where every DAG state machine writes its execution log (dag-sync sets the level). */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: StateMachineRoleProps) {
    super(scope, id);
    const { region, account, partition } = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'Assumed by Airstep DAG state machines',
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: props.queues.map((queue) => queue.queueArn),
      }),
    );
    const allow = (actions: string[], resources: readonly string[] | undefined) => {
      if (resources !== undefined && resources.length > 0)
        this.role.addToPolicy(new iam.PolicyStatement({ actions, resources: [...resources] }));
    };
    allow(['lambda:InvokeFunction'], props.invokableFunctionArns);
    // aws-sdk:s3:listObjectsV2 (s3 list, S3 key sensors) needs ListBucket on the bucket; putObject needs
    // PutObject, copyObject GetObject on the source and PutObject on the target, all on objects.
    allow(
      ['s3:ListBucket'],
      props.dataBuckets?.map((bucket) => `arn:${partition}:s3:::${bucket}`),
    );
    allow(
      ['s3:GetObject', 's3:PutObject'],
      props.dataBuckets?.map((bucket) => `arn:${partition}:s3:::${bucket}/*`),
    );
    allow(
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      props.dataTables?.map((table) => `arn:${partition}:dynamodb:${region}:${account}:table/${table}`),
    );
    allow(['sns:Publish', 'sqs:SendMessage'], props.messageTargets);
    allow(['events:PutEvents'], props.eventBuses);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
        ],
        // X-Ray actions do not support resource-level permissions.
        resources: ['*'],
      }),
    );
    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    // Step Functions delivers execution logs through CloudWatch Logs' log delivery, with the state machine's
    // role; these actions support no resource-level permissions.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'logs:CreateLogDelivery',
          'logs:GetLogDelivery',
          'logs:UpdateLogDelivery',
          'logs:DeleteLogDelivery',
          'logs:ListLogDeliveries',
          'logs:PutResourcePolicy',
          'logs:DescribeResourcePolicies',
          'logs:DescribeLogGroups',
        ],
        resources: ['*'],
      }),
    );
  }
}
