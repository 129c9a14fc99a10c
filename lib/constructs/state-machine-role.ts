import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type AwsSdkPermission, grantAwsSdkSteps } from './aws-sdk-grants.ts';
import { type DataAccessProps, grantDataAccess } from './data-access.ts';
import { grantTaskInstanceWrites } from './task-instance-write-grants.ts';

export interface StateMachineRoleProps {
  /** Task and control queues: the only queues the state machines send work to. */
  readonly queues: readonly sqs.IQueue[];
  /** The user's data native steps may reach (the same is granted to task code). */
  readonly data: DataAccessProps;
  /** How long execution logs are kept. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** The actions `awsSdk` steps may call (see `grantAwsSdkSteps`). @default - none */
  readonly awsSdkPermissions?: readonly AwsSdkPermission[];
  /** What cross-DAG steps reach (`triggerDag`, `externalTaskSensor`); unset: nothing. */
  readonly crossDag?: CrossDagAccess;
  /** The task-instances table, where tasks no worker runs write their records (`grantTaskInstanceWrites`). */
  readonly taskInstancesTableArn?: string;
}

/** The stack's trigger function (invoked) and run tables (read only) that cross-DAG steps use. */
export interface CrossDagAccess {
  readonly triggerFunctionArn: string;
  readonly runsTableArn: string;
  readonly taskInstancesTableArn: string;
}

/**
 * The role every DAG state machine assumes, and the log group they write execution logs to. By default it may send messages to the stack's task and control
 * queues (`sqs:sendMessage[.waitForTaskToken]`) and write X-Ray traces (dag-sync creates state machines with
 * tracing on), nothing else; each native-step permission is opened only for the data the props name (see `grantDataAccess`).
 * Its only `states:` actions are a Distributed Map's (`grantDistributedMaps`). The construct adds
 * `ecs:RunTask` on the worker task definition and `iam:PassRole` for its two roles.
 */
export class StateMachineRole extends Construct {
  readonly role: iam.Role;
  /** Where every DAG state machine writes its execution log (dag-sync sets the level). */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: StateMachineRoleProps) {
    super(scope, id);
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
    grantDataAccess(this, this.role, props.data);
    grantAwsSdkSteps(this.role, props.awsSdkPermissions ?? []);
    if (props.crossDag !== undefined) grantCrossDag(this.role, props.crossDag);
    if (props.taskInstancesTableArn !== undefined) grantTaskInstanceWrites(this.role, props.taskInstancesTableArn);
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

  /**
   * What a Distributed Map (a mapping compiled distributed) does with the role: start its items as child
   * executions of the same state machine (`states:StartExecution` on the DAGs' state machines, their versions and
   * alias; `DescribeExecution`/`StopExecution` on their executions, a child's ARN being
   * `execution:<state machine>/<map run>:<id>`), read the list a worker wrote under `xcom/` (ItemReader), and
   * write the results under `xcom/map-results/` (ResultWriter, a multipart upload for large results).
   * @see https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html
   */
  grantDistributedMaps(props: {
    readonly stateMachineArns: readonly string[];
    readonly executionArns: string;
    readonly bucket: s3.IBucket;
    /** Where workers write the lists (`xcom/`). */
    readonly itemsPrefix: string;
    /** Where the Map Runs write their results (`xcom/map-results/`). */
    readonly resultsPrefix: string;
  }): void {
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [...props.stateMachineArns] }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [props.executionArns],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [props.bucket.arnForObjects(`${props.itemsPrefix}*`)],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [props.bucket.arnForObjects(`${props.resultsPrefix}*`)],
      }),
    );
  }
}

/**
 * `triggerDag` invokes the trigger function (which does the admission: params, maxActiveRuns, pause); both cross-DAG
 * waits read run and task-instance records. Reads only here: the one write, of the run's own no-worker tasks'
 * records, is `grantTaskInstanceWrites`'s.
 */
function grantCrossDag(role: iam.Role, access: CrossDagAccess): void {
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['lambda:InvokeFunction'],
      resources: [access.triggerFunctionArn, `${access.triggerFunctionArn}:*`],
    }),
  );
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:Query'],
      resources: [access.runsTableArn, access.taskInstancesTableArn],
    }),
  );
}
