import { Aws, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { STACK_ENV } from '../runtime/stack-env.ts';
import { AirstepBucket, BUCKET_PREFIXES } from './airstep-bucket.ts';
import { AirstepFunctions } from './airstep-functions.ts';
import { Alerts } from './alerts.ts';
import { FargateWorker } from './fargate-worker.ts';
import { MetadataTables } from './metadata-tables.ts';
import { acknowledgeReviewedFindings } from './nag-acknowledgements.ts';
import { ScheduleGroup } from './schedule-group.ts';
import { StateMachineRole } from './state-machine-role.ts';
import { TaskQueues } from './task-queues.ts';

export interface AirstepProps {
  /** Names the state machines (`<prefix>-<dagId>`) and the schedule group. @default 'airstep' */
  readonly namePrefix?: string;
  /** Queue names the DAGs use (`queue` task option); `default` always exists. @default ['default'] */
  readonly queueNames?: readonly string[];
  /** Pool sizes (`{ warehouse: 3 }`); a pool not named has 128 slots. @default {} */
  readonly pools?: Readonly<Record<string, number>>;
  /** Longest task try on the Lambda worker. @default Duration.minutes(15) */
  readonly workerTimeout?: Duration;
  /** @default 1024 */
  readonly workerMemoryMb?: number;
  /** VPC for Fargate tasks. @default - a minimal VPC with public subnets and no NAT gateway */
  readonly vpc?: ec2.IVpc;
  /** Fargate worker image. @default - built from lambdas/fargate-worker/Dockerfile */
  readonly fargateWorkerImage?: ecs.ContainerImage;
  /** Email subscribed to alerts. @default - none */
  readonly alarmEmail?: string;
  /** Lambda functions DAGs may call with `invokeLambda` (ARNs). @default - none */
  readonly invokableFunctionArns?: readonly string[];
  /** Buckets native S3 steps may use (names). @default - none */
  readonly dataBuckets?: readonly string[];
  /** Tables native DynamoDB steps may use (names). @default - none */
  readonly dataTables?: readonly string[];
  /** SNS topics / SQS queues native steps may send to (ARNs). @default - none */
  readonly messageTargets?: readonly string[];
  /** EventBridge buses native steps may put events on (ARNs). @default - none */
  readonly eventBuses?: readonly string[];
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** For the bucket and tables. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Airstep: DAG files dropped under `s3://<bucket>/dags/` become Step Functions state machines run on their
 * schedules, with tasks on Lambda or Fargate. See the README's "The cloud stack".
 */
export class Airstep extends Construct {
  readonly bucket: AirstepBucket;
  readonly tables: MetadataTables;
  readonly queues: TaskQueues;
  readonly functions: AirstepFunctions;
  readonly stateMachineRole: StateMachineRole;
  readonly schedules: ScheduleGroup;
  readonly fargate: FargateWorker;
  readonly alerts: Alerts;
  readonly namePrefix: string;
  /** Buckets native S3 steps may use (from the props). */
  readonly dataBuckets: readonly string[] | undefined;

  constructor(scope: Construct, id: string, props: AirstepProps = {}) {
    super(scope, id);
    const prefix = props.namePrefix ?? 'airstep';
    if (!/^[A-Za-z0-9-]{1,20}$/.test(prefix))
      throw new Error(`namePrefix '${prefix}' must be 1-20 letters, digits or -`);
    this.namePrefix = prefix;
    this.dataBuckets = props.dataBuckets;
    const workerTimeout = props.workerTimeout ?? Duration.minutes(15);
    if (workerTimeout.toSeconds() > 900) throw new Error('workerTimeout cannot exceed 15 minutes (the Lambda limit)');

    this.queues = new TaskQueues(this, 'Queues', {
      ...(props.queueNames !== undefined ? { queueNames: props.queueNames } : {}),
      workerTimeout,
    });
    this.bucket = new AirstepBucket(this, 'Bucket', {
      dagEvents: this.queues.dagEvents,
      ...(props.removalPolicy !== undefined ? { removalPolicy: props.removalPolicy } : {}),
    });
    this.tables = new MetadataTables(this, 'Tables', {
      ...(props.removalPolicy !== undefined ? { removalPolicy: props.removalPolicy } : {}),
    });
    const taskQueues = Object.values(this.queues.taskQueues);
    this.functions = new AirstepFunctions(this, 'Functions', {
      workerTimeout,
      ...(props.workerMemoryMb !== undefined ? { workerMemoryMb: props.workerMemoryMb } : {}),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
      workerQueues: [...taskQueues, this.queues.controlQueue],
      dagEvents: this.queues.dagEvents,
    });
    this.stateMachineRole = new StateMachineRole(this, 'StateMachines', {
      queues: [...taskQueues, this.queues.controlQueue],
      ...(props.invokableFunctionArns !== undefined ? { invokableFunctionArns: props.invokableFunctionArns } : {}),
      ...(props.dataBuckets !== undefined ? { dataBuckets: props.dataBuckets } : {}),
      ...(props.dataTables !== undefined ? { dataTables: props.dataTables } : {}),
      ...(props.messageTargets !== undefined ? { messageTargets: props.messageTargets } : {}),
      ...(props.eventBuses !== undefined ? { eventBuses: props.eventBuses } : {}),
    });
    this.schedules = new ScheduleGroup(this, 'Schedules', {
      name: `${prefix}-dags`,
      trigger: this.functions.functions.trigger,
    });
    this.fargate = new FargateWorker(this, 'Fargate', {
      ...(props.vpc !== undefined ? { vpc: props.vpc } : {}),
      ...(props.fargateWorkerImage !== undefined ? { image: props.fargateWorkerImage } : {}),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });
    this.alerts = new Alerts(this, 'Alerts', {
      functions: this.functions.functions,
      taskQueues: this.queues.taskQueues,
      deadLetterQueues: this.queues.deadLetterQueues,
      ...(props.alarmEmail !== undefined ? { alarmEmail: props.alarmEmail } : {}),
    });
    this.wire(prefix, props);
    acknowledgeReviewedFindings(this);
  }

  /** Environment and least-privilege grants per function, the Fargate hand-off, and the recorder's rule. */
  private wire(prefix: string, props: AirstepProps): void {
    const { region, account } = Stack.of(this);
    const fns = this.functions.functions;
    const { tables } = this.tables;
    const bucket = this.bucket.bucket;
    const stateMachineArns = `arn:aws:states:${region}:${account}:stateMachine:${prefix}-*`;
    const executionArns = `arn:aws:states:${region}:${account}:execution:${prefix}-*`;
    const env = this.functions.setEnv.bind(this.functions);

    env('bucket', bucket.bucketName);
    env('namePrefix', prefix);
    env('dagsTable', tables.dags.tableName);
    env('runsTable', tables.runs.tableName);
    env('taskInstancesTable', tables.taskInstances.tableName);
    env('importErrorsTable', tables.importErrors.tableName);
    env('poolSlotsTable', tables.poolSlots.tableName, ['worker', 'recorder']);
    env('queuedRunsTable', tables.queuedRuns.tableName, ['trigger', 'recorder']);
    env('pools', JSON.stringify(props.pools ?? {}), ['worker', 'recorder']);
    env(
      'taskQueueUrls',
      Stack.of(this).toJsonString(
        Object.fromEntries(Object.entries(this.queues.taskQueues).map(([name, queue]) => [name, queue.queueUrl])),
      ),
      ['dagSync'],
    );
    env('controlQueueUrl', this.queues.controlQueue.queueUrl, ['dagSync', 'worker']);
    env('stateMachineRoleArn', this.stateMachineRole.role.roleArn, ['dagSync']);
    env('scheduleGroup', this.schedules.group.name!, ['dagSync']);
    env('schedulerRoleArn', this.schedules.invokeRole.roleArn, ['dagSync']);
    env('triggerFunctionArn', fns.trigger.functionArn, ['dagSync']);
    env('alertsTopicArn', this.alerts.topic.topicArn, ['recorder']);
    env('ecsClusterArn', this.fargate.cluster.clusterArn, ['dagSync']);
    env('workerTaskDefinitionArn', this.fargate.taskDefinition.taskDefinitionArn, ['dagSync']);
    const subnets = this.fargate.assignPublicIp ? this.fargate.vpc.publicSubnets : this.fargate.vpc.privateSubnets;
    env('subnetIds', subnets.map((subnet) => subnet.subnetId).join(','), ['dagSync']);
    env('assignPublicIp', this.fargate.assignPublicIp ? 'ENABLED' : 'DISABLED', ['dagSync']);
    env('securityGroupIds', this.fargate.securityGroup.securityGroupId, ['dagSync']);

    // dag-sync: reads DAG files, writes bundles, creates state machines and schedules, records DAGs and errors.
    bucket.grantRead(fns.dagSync, `${BUCKET_PREFIXES.dags}*`);
    bucket.grantReadWrite(fns.dagSync, `${BUCKET_PREFIXES.artifacts}*`);
    tables.dags.grantReadWriteData(fns.dagSync);
    tables.importErrors.grantReadWriteData(fns.dagSync);
    fns.dagSync.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'states:CreateStateMachine',
          'states:UpdateStateMachine',
          'states:DescribeStateMachine',
          'states:PublishStateMachineVersion',
          'states:CreateStateMachineAlias',
          'states:UpdateStateMachineAlias',
          'states:DescribeStateMachineAlias',
          'states:ListStateMachineVersions',
          'states:TagResource',
        ],
        resources: [stateMachineArns, `${stateMachineArns}:*`],
      }),
    );
    fns.dagSync.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'scheduler:CreateSchedule',
          'scheduler:UpdateSchedule',
          'scheduler:DeleteSchedule',
          'scheduler:GetSchedule',
        ],
        resources: [`arn:aws:scheduler:${region}:${account}:schedule/${this.schedules.group.name}/*`],
      }),
    );
    fns.dagSync.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:ListSchedules'],
        // ListSchedules supports no resource-level permissions.
        resources: ['*'],
      }),
    );
    fns.dagSync.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.stateMachineRole.role.roleArn, this.schedules.invokeRole.roleArn],
      }),
    );

    // worker: reads bundles, writes XCom values and logs, answers task tokens, takes pool slots.
    bucket.grantRead(fns.worker, `${BUCKET_PREFIXES.artifacts}*`);
    bucket.grantReadWrite(fns.worker, `${BUCKET_PREFIXES.xcom}*`);
    bucket.grantPut(fns.worker, `${BUCKET_PREFIXES.logs}*`);
    tables.poolSlots.grantReadWriteData(fns.worker);
    // Gates, signals and answered-token records live in the task-instances table.
    tables.taskInstances.grantReadWriteData(fns.worker);
    const answerTasks = new iam.PolicyStatement({
      actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
      // Task tokens are not resources: these actions take no resource-level permissions.
      resources: ['*'],
    });
    fns.worker.addToRolePolicy(answerTasks);

    // Fargate workers: same as the Lambda worker; the state machines may start them and pass their roles.
    const fargateTask = this.fargate.taskDefinition;
    bucket.grantRead(fargateTask.taskRole, `${BUCKET_PREFIXES.artifacts}*`);
    bucket.grantReadWrite(fargateTask.taskRole, `${BUCKET_PREFIXES.xcom}*`);
    fargateTask.taskRole.addToPrincipalPolicy(answerTasks);
    tables.taskInstances.grantReadWriteData(fargateTask.taskRole);
    this.fargate.container.addEnvironment(STACK_ENV.bucket, bucket.bucketName);
    this.fargate.container.addEnvironment(STACK_ENV.taskInstancesTable, tables.taskInstances.tableName);
    this.stateMachineRole.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:RunTask'],
        resources: [fargateTask.taskDefinitionArn],
        conditions: { ArnEquals: { 'ecs:cluster': this.fargate.cluster.clusterArn } },
      }),
    );
    this.stateMachineRole.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [fargateTask.taskRole.roleArn, fargateTask.executionRole!.roleArn],
      }),
    );

    // trigger: starts executions (name = run id), records runs, queues runs over maxActiveRuns.
    tables.dags.grantReadData(fns.trigger);
    tables.runs.grantReadWriteData(fns.trigger);
    tables.queuedRuns.grantReadWriteData(fns.trigger);
    bucket.grantRead(fns.trigger, `${BUCKET_PREFIXES.artifacts}*`);
    fns.trigger.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [stateMachineArns, `${stateMachineArns}:*`],
      }),
    );

    // recorder: execution status changes -> records, metrics, alerts, next queued run, pool slots.
    tables.dags.grantReadData(fns.recorder);
    tables.runs.grantReadWriteData(fns.recorder);
    tables.taskInstances.grantReadWriteData(fns.recorder);
    tables.queuedRuns.grantReadWriteData(fns.recorder);
    tables.poolSlots.grantReadWriteData(fns.recorder);
    this.alerts.topic.grantPublish(fns.recorder);
    fns.recorder.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:StartExecution'],
        resources: [executionArns, stateMachineArns, `${stateMachineArns}:*`],
      }),
    );
    new events.Rule(this, 'ExecutionStatusChanges', {
      description: 'Airstep DAG runs changing status',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: events.Match.prefix(
            `arn:aws:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:stateMachine:${prefix}-`,
          ),
        },
      },
      targets: [new targets.LambdaFunction(fns.recorder, { retryAttempts: 4, maxEventAge: Duration.hours(2) })],
    });
  }
}
