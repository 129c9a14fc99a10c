import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface StateMachineRoleProps {
  /** Task and control queues: the only queues the state machines send work to. */
  readonly queues: readonly sqs.IQueue[];
  /** Lambda functions DAGs may call with `invokeLambda` (ARNs or ARN patterns). @default - none */
  readonly invokableFunctionArns?: readonly string[];
  /** Buckets native S3 steps may read and write (names). @default - none */
  readonly dataBuckets?: readonly string[];
  /** DynamoDB tables native steps may use (names). @default - none */
  readonly dataTables?: readonly string[];
  /** SNS topics and SQS queues native steps may publish to (ARNs). @default - none */
  readonly messageTargets?: readonly string[];
  /** EventBridge buses native steps may put events on (ARNs). @default - none */
  readonly eventBuses?: readonly string[];
}

/**
 * The role every DAG state machine assumes. It may send messages to the stack's queues and to nothing else by
 * default; each native-step permission is opened only for the resources named in the props.
 */
export class StateMachineRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: StateMachineRoleProps) {
    super(scope, id);
    const { region, account } = Stack.of(this);
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
    allow(
      ['s3:GetObject', 's3:PutObject', 's3:CopyObject', 's3:ListBucket'],
      props.dataBuckets?.flatMap((bucket) => [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`]),
    );
    allow(
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      props.dataTables?.map((table) => `arn:aws:dynamodb:${region}:${account}:table/${table}`),
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
  }
}
