import { Duration, type RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { MAP_RESULTS_PREFIX } from '../compiler/distributed-map-states.ts';
import { ROLE_ARN } from '../compiler/role-arn.ts';
import { dagAlarmNamePrefix, METRICS_NAMESPACE } from '../stack-contract/metrics.ts';
import {
  connectionsPath,
  defaultSecretsPrefix,
  SECRETS_PREFIX,
  variablesPath,
} from '../stack-contract/secrets-paths.ts';
import { STACK_ENV } from '../stack-contract/stack-env.ts';
import { AirstepBucket, BUCKET_PREFIXES } from './airstep-bucket.ts';
import { AirstepFunctions, SERVICE_NAMES } from './airstep-functions.ts';
import { AirstepPropsError } from './airstep-props-error.ts';
import { Alerts } from './alerts.ts';
import { assetRetentionDays } from './asset-event-retention-prop.ts';
import { AssetEvents } from './asset-events.ts';
import { type AwsSdkPermission, allowedAwsSdkActions } from './aws-sdk-grants.ts';
import { AwsSdkLayer } from './aws-sdk-layer.ts';
import { grantChildMachines } from './child-machine-grants.ts';
import { type DataAccessProps, dataResourceName, grantDataAccess } from './data-access.ts';
import { FargateWorker } from './fargate-worker.ts';
import { MetadataTables } from './metadata-tables.ts';
import { acknowledgeReviewedFindings } from './nag-acknowledgements.ts';
import { checkPassableRoleProps, grantPassableRoles } from './passable-role-grants.ts';
import { ScheduleGroup } from './schedule-group.ts';
import { StateMachineRole } from './state-machine-role.ts';
import { TaskQueues } from './task-queues.ts';
import { TryLogQuery } from './try-log-query.ts';
import { grantWatcherRules } from './watcher-rule-grants.ts';

/**
 * The user's data DAGs may reach (`dataBuckets`, `dataTables`, `messageTargets`, `eventBuses`,
 * `invokableFunctionArns`): granted to the state machines for native steps and to the Lambda and Fargate workers for
 * task code, so a task reads and writes what a native step can.
 */
export interface AirstepProps extends DataAccessProps {
  /** Names the state machines (`<prefix>-<dagId>`) and the schedule group (`<prefix>-dags`). @default 'airstep' */
  readonly namePrefix?: string;
  /** Name of the Airstep bucket. @default - a unique name CloudFormation generates */
  readonly bucketName?: string;
  /** What happens to the bucket and the tables when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Queue names DAG tasks use (`queue` option), one SQS queue each; `default` always exists. @default ['default'] */
  readonly queueNames?: readonly string[];
  /** Pool sizes (`{ warehouse: 3 }`); a pool not named has 128 slots. @default {} */
  readonly pools?: Readonly<Record<string, number>>;
  /** Longest task try on the Lambda worker (at most 15 minutes). @default Duration.minutes(15) */
  readonly workerTimeout?: Duration;
  /** Memory of the Lambda worker in MB. @default 1024 */
  readonly workerMemoryMb?: number;
  /** VPC for Fargate tasks. @default - a minimal VPC with two public subnets and no NAT gateway */
  readonly vpc?: ec2.IVpc;
  /** Subnets for Fargate tasks. @default - the public subnets of Airstep's VPC, or the private subnets of yours */
  readonly fargateSubnets?: ec2.SubnetSelection;
  /** Fargate worker image (ARM64). @default - built with Docker from lambdas/fargate-worker/Dockerfile at deploy */
  readonly fargateWorkerImage?: ecs.ContainerImage;
  /**
   * CPU units the Fargate worker task definition registers with. Each task still runs with the size its DAG
   * gives it (`fargate.cpu` / `fargate.memory`, set at RunTask). @default 512
   */
  readonly fargateCpu?: number;
  /** Memory the Fargate worker task definition registers with, in MiB (see `fargateCpu`). @default 1024 */
  readonly fargateMemoryMiB?: number;
  /** Email subscribed to the alerts topic. @default - none */
  readonly alarmEmail?: string;
  /** How long Lambda, Fargate, state-machine and VPC flow logs are kept. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What DAG state machines log to CloudWatch Logs (never execution data): `ERROR` logs failed states and runs,
   * `ALL` every state transition (CloudWatch charges per GB).
   * @see https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
   * @default 'ERROR'
   */
  readonly stateMachineLogLevel?: 'ALL' | 'ERROR' | 'FATAL';
  /**
   * IAM roles task code may run under (the `runAs` task option), e.g. roles in another account that reach its data:
   * the Lambda and Fargate workers may `sts:AssumeRole` exactly these, and dag-sync refuses a DAG whose task names
   * another (an import error naming the task and the role). Each role's trust policy must let the worker roles
   * assume it.
   * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
   * @default [] - no task may use `runAs`
   */
  readonly assumableRoleArns?: readonly string[];
  /**
   * AWS API actions `awsSdk` steps may call from the state machines, and on which resources (e.g.
   * `{ actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:StopQueryExecution'],
   * resources: [workgroupArn] }`). dag-sync refuses a DAG whose step needs an action not listed, naming it.
   * @default - none: no awsSdk step deploys
   */
  readonly awsSdkPermissions?: readonly AwsSdkPermission[];
  /**
   * IAM roles `awsSdk` steps may hand a service: ECS RunTask's task and execution roles, SageMaker
   * CreateTrainingJob's `RoleArn`, EMR Serverless StartJobRun's `ExecutionRoleArn`. The state machines may
   * `iam:PassRole` exactly these (`*` wildcards allowed in the name), to those services only; dag-sync refuses a DAG
   * whose step names another role (a role read at run time is checked by IAM then).
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
   * @default [] - no awsSdk step may pass a role
   */
  readonly passableRoleArns?: readonly string[];
  /**
   * Where task code's Variables and Connections live (`ctx.variable`, `ctx.connection`): SSM parameters
   * `/<prefix>/variables/<name>` and Secrets Manager secrets `<prefix>/connections/<id>`. The Lambda and Fargate
   * workers may read exactly these (`ssm:GetParameter`, `secretsmanager:GetSecretValue`), nothing else of either
   * service; `airstep variables|connections --stack` find the prefix in the stack output `SecretsPrefix`.
   * Give each Airstep in one stack its own.
   * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-hierarchies.html
   * @default `airstep/<stack name>`
   */
  readonly secretsPrefix?: string;
  /**
   * The customer managed KMS key your parameters and secrets are encrypted with, if not the AWS managed keys
   * (`aws/ssm`, `aws/secretsmanager`, which need no grant): the workers may `kms:Decrypt` with it, through SSM and
   * Secrets Manager only.
   * @default - none: the AWS managed keys
   */
  readonly secretsKey?: kms.IKey;
  /**
   * How long recorded asset events are kept, in whole days (at least 1): an event expires this long after its
   * timestamp, except the newest of each asset, kept until a newer one is recorded (so a consumer never misses
   * that a rarely updated asset was updated); DynamoDB's TTL on the runs table (`expiresAt`) deletes them.
   * @default Duration.days(90)
   */
  readonly assetEventRetention?: Duration;
  /**
   * Deploy to an emulator instead of AWS: `'ministack'` makes the few differences MiniStack 1.5.33 needs to take
   * the template with `cdk deploy` and run its Lambdas (`npm run stack:local`), each for a reason
   * (see `EMULATOR_PROFILES`). Never set it for an AWS account: the template for AWS is the one without it.
   * `bin/app.ts` reads it from the CDK context `airstep:emulatorProfile`.
   * @default - none: the template for AWS
   */
  readonly emulatorProfile?: EmulatorProfile;
}

/** Emulators the construct has a profile for. */
export type EmulatorProfile = 'ministack';

/**
 * What the MiniStack profile changes, and why (the README's stack:local section lists the same). Nothing else
 * in the template differs from the one for AWS.
 */
export const EMULATOR_PROFILES: Record<EmulatorProfile, Readonly<Record<string, string>>> = {
  ministack: {
    flowLogs: "No VPC flow log: MiniStack's CloudFormation has no AWS::EC2::FlowLog (the changeset fails on the type)",
    awsSdkLayer:
      'The AWS SDK v3 as a layer on the four functions: MiniStack runs Node functions on the host’s Node, which ' +
      'ships no SDK (AWS’s Node runtimes do); the handlers and DAG task code import it',
    fargateWorkerImage:
      'The Fargate worker image is a registry reference, never built: MiniStack’s ECS runs no containers ' +
      '(stack:local carries out a worker RunTask as a host process instead), and building it would need Docker',
    tryLogQuery:
      'No saved Logs Insights query: MiniStack’s CloudFormation has no AWS::Logs::QueryDefinition (the changeset ' +
      'fails on the type); the dashboard still shows the query text',
  },
};

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
  /** Runs' deadline schedules (one-time, created by the trigger, invoking the recorder). */
  readonly deadlineSchedules: ScheduleGroup;
  readonly fargate: FargateWorker;
  readonly alerts: Alerts;
  /** The saved Logs Insights query "the log of one try" and its dashboard link. */
  readonly tryLogQuery: TryLogQuery;
  readonly namePrefix: string;
  /** Where Variables (SSM) and Connections (Secrets Manager) live: see `AirstepProps.secretsPrefix`. */
  readonly secretsPrefix: string;
  /** Names of the buckets DAGs may use (from the props). */
  readonly dataBuckets: readonly string[];
  /** Names of the tables DAGs may use (from the props). */
  readonly dataTables: readonly string[];
  /** The emulator this construct is deployed to, if any (see `AirstepProps.emulatorProfile`). */
  readonly emulatorProfile: EmulatorProfile | undefined;

  constructor(scope: Construct, id: string, props: AirstepProps = {}) {
    super(scope, id);
    const prefix = props.namePrefix ?? 'airstep';
    if (!/^[A-Za-z0-9-]{1,20}$/.test(prefix))
      throw new AirstepPropsError('namePrefix', `namePrefix '${prefix}' must be 1-20 letters, digits or -`);
    this.namePrefix = prefix;
    this.secretsPrefix = props.secretsPrefix ?? defaultSecretsPrefix(Stack.of(this).stackName);
    if (!Token.isUnresolved(this.secretsPrefix) && !SECRETS_PREFIX.test(this.secretsPrefix))
      throw new AirstepPropsError(
        'secretsPrefix',
        `secretsPrefix '${this.secretsPrefix}' must be 1-5 segments of letters, digits, _ . or - joined by /, not starting with aws or ssm`,
      );
    this.dataBuckets = (props.dataBuckets ?? []).map(dataResourceName);
    this.dataTables = (props.dataTables ?? []).map(dataResourceName);
    for (const arn of props.assumableRoleArns ?? [])
      if (!Token.isUnresolved(arn) && !ROLE_ARN.test(arn))
        throw new AirstepPropsError('assumableRoleArns', `assumableRoleArns: '${arn}' is not an IAM role ARN`);
    checkPassableRoleProps(props);
    if (props.emulatorProfile !== undefined && !(props.emulatorProfile in EMULATOR_PROFILES))
      throw new AirstepPropsError(
        'emulatorProfile',
        `emulatorProfile '${props.emulatorProfile}' is not one of: ${Object.keys(EMULATOR_PROFILES).join(', ')}`,
      );
    this.emulatorProfile = props.emulatorProfile;
    const onMiniStack = props.emulatorProfile === 'ministack';
    const workerTimeout = props.workerTimeout ?? Duration.minutes(15);
    if (workerTimeout.toSeconds() > 900)
      throw new AirstepPropsError('workerTimeout', 'workerTimeout cannot exceed 15 minutes (the Lambda limit)');
    // Checked here, with the other props, before anything is made.
    assetRetentionDays(props.assetEventRetention);
    const dagSyncTimeout = Duration.minutes(5);

    this.queues = new TaskQueues(this, 'Queues', {
      queueNames: props.queueNames,
      workerTimeout,
      dagSyncTimeout,
    });
    this.bucket = new AirstepBucket(this, 'Bucket', {
      dagEvents: this.queues.dagEvents,
      bucketName: props.bucketName,
      removalPolicy: props.removalPolicy,
    });
    this.tables = new MetadataTables(this, 'Tables', { removalPolicy: props.removalPolicy });
    const taskQueues = Object.values(this.queues.taskQueues);
    this.functions = new AirstepFunctions(this, 'Functions', {
      workerTimeout,
      dagSyncTimeout,
      workerMemoryMb: props.workerMemoryMb,
      logRetention: props.logRetention,
      workerQueues: [...taskQueues, this.queues.controlQueue],
      dagEvents: this.queues.dagEvents,
      failedEvents: this.queues.failedEvents,
      layers: onMiniStack ? [new AwsSdkLayer(this, 'AwsSdk').layer] : undefined,
    });
    this.stateMachineRole = new StateMachineRole(this, 'StateMachines', {
      queues: [...taskQueues, this.queues.controlQueue],
      data: props,
      logRetention: props.logRetention,
      awsSdkPermissions: props.awsSdkPermissions,
      crossDag: {
        triggerFunctionArn: this.functions.functions.trigger.functionArn,
        runsTableArn: this.tables.tables.runs.tableArn,
        taskInstancesTableArn: this.tables.tables.taskInstances.tableArn,
      },
      taskInstancesTableArn: this.tables.tables.taskInstances.tableArn,
    });
    this.schedules = new ScheduleGroup(this, 'Schedules', {
      name: `${prefix}-dags`,
      target: this.functions.functions.trigger,
    });
    this.deadlineSchedules = new ScheduleGroup(this, 'DeadlineSchedules', {
      name: `${prefix}-deadlines`,
      target: this.functions.functions.recorder,
      purpose: 'run deadline schedules',
    });
    this.fargate = new FargateWorker(this, 'Fargate', {
      vpc: props.vpc,
      subnets: props.fargateSubnets,
      image:
        props.fargateWorkerImage ??
        (onMiniStack ? ecs.ContainerImage.fromRegistry('airstep-fargate-worker:emulator') : undefined),
      flowLogs: !onMiniStack,
      cpu: props.fargateCpu,
      memoryMiB: props.fargateMemoryMiB,
      logRetention: props.logRetention,
    });
    this.alerts = new Alerts(this, 'Alerts', {
      functions: this.functions.functions,
      recorderService: SERVICE_NAMES.recorder,
      dagSyncLogs: this.functions.logGroups.dagSync,
      taskQueues: this.queues.taskQueues,
      deadLetterQueues: this.queues.deadLetterQueues,
      failedEvents: this.queues.failedEvents,
      alarmEmail: props.alarmEmail,
    });
    this.tryLogQuery = new TryLogQuery(this, 'TryLogQuery', {
      namePrefix: prefix,
      logGroups: [this.functions.logGroups.worker, this.fargate.workerLogs],
      dashboard: this.alerts.dashboard,
      saveQuery: !onMiniStack,
    });
    this.wire(prefix, props);
    acknowledgeReviewedFindings(this);
  }

  /**
   * Variables and Connections: the workers read exactly the stack's two paths (lib/stack-contract/secrets-paths.ts),
   * one parameter or secret at a time; they list nothing and write nothing (the CLI does, with the user's rights).
   */
  private grantSecretReads(principals: readonly iam.IPrincipal[], key: kms.IKey | undefined): void {
    const { region, account, partition } = Stack.of(this);
    for (const principal of principals) {
      principal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ssm:GetParameter'],
          resources: [`arn:${partition}:ssm:${region}:${account}:parameter${variablesPath(this.secretsPrefix)}*`],
        }),
      );
      principal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          // Secret ARNs end in `-` and six random characters: the wildcard covers them.
          resources: [
            `arn:${partition}:secretsmanager:${region}:${account}:secret:${connectionsPath(this.secretsPrefix)}*`,
          ],
        }),
      );
      if (key !== undefined)
        principal.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ['kms:Decrypt'],
            resources: [key.keyArn],
            conditions: {
              StringEquals: {
                'kms:ViaService': [`ssm.${region}.amazonaws.com`, `secretsmanager.${region}.amazonaws.com`],
              },
            },
          }),
        );
    }
  }

  /** Environment and least-privilege grants per function, the Fargate hand-off, and the recorder's rule. */
  private wire(prefix: string, props: AirstepProps): void {
    const { region, account, partition } = Stack.of(this);
    const fns = this.functions.functions;
    const { tables } = this.tables;
    const bucket = this.bucket.bucket;
    const stateMachinePrefix = `arn:${partition}:states:${region}:${account}:stateMachine:${prefix}-`;
    const stateMachineArns = `${stateMachinePrefix}*`;
    // Published versions and the `live` alias: `<state machine arn>:<version or alias>`.
    const versionArns = `${stateMachinePrefix}*:*`;
    const executionArns = `arn:${partition}:states:${region}:${account}:execution:${prefix}-*`;
    const env = this.functions.setEnv.bind(this.functions);
    const allow = (fn: iam.IGrantable, actions: string[], resources: string[]) =>
      fn.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));

    env('bucket', bucket.bucketName, ['worker', 'recorder']);
    // A mapping compiled distributed: child executions of its own state machine, its items and results in S3.
    this.stateMachineRole.grantDistributedMaps({
      stateMachineArns: [stateMachineArns, versionArns],
      executionArns: `${executionArns}/*`,
      bucket,
      itemsPrefix: BUCKET_PREFIXES.xcom,
      resultsPrefix: `${MAP_RESULTS_PREFIX}/`,
    });
    // A split DAG's parent: its children's executions, watched by `.sync:2`.
    grantChildMachines(this.stateMachineRole.role, prefix);
    env('namePrefix', prefix, ['dagSync']);
    env('dagsTable', tables.dags.tableName, ['dagSync', 'trigger', 'recorder']);
    env('runsTable', tables.runs.tableName, ['trigger', 'recorder', 'dagSync']);
    env('taskInstancesTable', tables.taskInstances.tableName, ['worker', 'recorder', 'dagSync']);
    env('importErrorsTable', tables.importErrors.tableName, ['dagSync']);
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
    env('controlQueueUrl', this.queues.controlQueue.queueUrl, ['dagSync', 'recorder']);
    env('failedEventsQueueUrl', this.queues.failedEvents.queueUrl, ['trigger']);
    env('stateMachineRoleArn', this.stateMachineRole.role.roleArn, ['dagSync']);
    env('stateMachineLogGroupArn', this.stateMachineRole.logGroup.logGroupArn, ['dagSync']);
    env('stateMachineLogLevel', props.stateMachineLogLevel ?? 'ERROR', ['dagSync']);
    env('scheduleGroup', this.schedules.group.name!, ['dagSync']);
    env('schedulerRoleArn', this.schedules.invokeRole.roleArn, ['dagSync']);
    env('triggerFunctionArn', fns.trigger.functionArn, ['dagSync']);
    const assetEvents = new AssetEvents(this, 'AssetEvents', {
      trigger: fns.trigger,
      stateMachineRole: this.stateMachineRole.role,
      failedEvents: this.queues.failedEvents,
      busName: `${prefix}-assets`,
    });
    env('assetEventBusName', assetEvents.bus.eventBusName, ['dagSync']);
    env('evaluatorFunction', this.functions.evaluator.functionName, ['dagSync']);
    env('alertsTopicArn', this.alerts.topic.topicArn, ['dagSync', 'recorder']);
    env('deadlineScheduleGroup', this.deadlineSchedules.group.name!, ['trigger', 'recorder']);
    env('deadlineRoleArn', this.deadlineSchedules.invokeRole.roleArn, ['trigger']);
    env('recorderFunctionArn', fns.recorder.functionArn, ['trigger']);
    env('ecsClusterArn', this.fargate.cluster.clusterArn, ['dagSync']);
    // The family, not a revision: a stack update that registers a new revision needs no DAG re-synced.
    env('workerTaskDefinition', this.fargate.taskDefinition.family, ['dagSync']);
    env('containerTaskRoleArn', this.fargate.containerTaskRole.roleArn, ['dagSync']);
    env('containerExecutionRoleArn', this.fargate.containerExecutionRole.roleArn, ['dagSync']);
    env('containerLogGroup', this.fargate.containerLogs.logGroupName, ['dagSync']);
    env('assetEventRetentionDays', String(assetRetentionDays(props.assetEventRetention)), ['trigger']);
    env('subnetIds', this.fargate.subnetIds.join(','), ['dagSync']);
    env('assignPublicIp', this.fargate.assignPublicIp ? 'ENABLED' : 'DISABLED', ['dagSync']);
    env('securityGroupIds', this.fargate.securityGroup.securityGroupId, ['dagSync']);
    const assumable = props.assumableRoleArns ?? [];
    env('assumableRoleArns', Stack.of(this).toJsonString(assumable), ['dagSync']);
    env('awsSdkActions', JSON.stringify(allowedAwsSdkActions(props.awsSdkPermissions ?? [])), ['dagSync']);
    env('passableRoleArns', Stack.of(this).toJsonString(props.passableRoleArns ?? []), ['dagSync']);
    grantPassableRoles(this.stateMachineRole.role, props.passableRoleArns ?? []);

    // dag-sync: reads DAG files, writes bundles, creates state machines and schedules, records DAGs and errors.
    bucket.grantRead(fns.dagSync, `${BUCKET_PREFIXES.dags}*`);
    bucket.grantPut(fns.dagSync, `${BUCKET_PREFIXES.artifacts}*`);
    tables.dags.grantReadWriteData(fns.dagSync);
    tables.importErrors.grantReadWriteData(fns.dagSync);
    // DAG code runs in the evaluator, never in dag-sync: dag-sync only invokes it and checks its answer.
    allow(fns.dagSync, ['lambda:InvokeFunction'], [this.functions.evaluator.functionArn]);
    // A deployment's owed scheduled runs (catchup) go to the trigger as its schedules' fires do.
    allow(fns.dagSync, ['lambda:InvokeFunction'], [fns.trigger.functionArn]);
    allow(
      fns.dagSync,
      [
        'states:CreateStateMachine',
        'states:UpdateStateMachine',
        'states:DescribeStateMachine',
        // CreateStateMachine / UpdateStateMachine with `publish: true`.
        'states:PublishStateMachineVersion',
        'states:CreateStateMachineAlias',
        'states:UpdateStateMachineAlias',
        // The child state machines a split DAG no longer has (child-machines-deploy.ts).
        'states:DeleteStateMachine',
      ],
      [stateMachineArns, versionArns],
    );
    allow(
      fns.dagSync,
      // GetSchedule: a DAG whose file is deleted has its schedules read and disabled, not deleted.
      ['scheduler:GetSchedule', 'scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
      [`arn:${partition}:scheduler:${region}:${account}:schedule/${this.schedules.group.name}/*`],
    );
    // ListSchedules supports no resource-level permissions.
    allow(fns.dagSync, ['scheduler:ListSchedules'], ['*']);
    allow(fns.dagSync, ['iam:PassRole'], [this.stateMachineRole.role.roleArn, this.schedules.invokeRole.roleArn]);
    // Per-DAG alarms a DAG asks for (`alarms`), on the recorder's per-DAG metrics, named under one prefix.
    allow(
      fns.dagSync,
      ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms'],
      [`arn:${partition}:cloudwatch:${region}:${account}:alarm:${dagAlarmNamePrefix(prefix)}*`],
    );
    // Rules for asset watchers (S3 objects created, EventBridge patterns), invoking the trigger.
    grantWatcherRules(fns.dagSync, fns.trigger, prefix);
    // Task definitions for `container` tasks (RegisterTaskDefinition supports no resource-level permissions),
    // with the two container roles, which only ECS tasks may be given.
    allow(fns.dagSync, ['ecs:RegisterTaskDefinition'], ['*']);
    fns.dagSync.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.fargate.containerTaskRole.roleArn, this.fargate.containerExecutionRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );

    // worker: reads bundles, reads and writes XCom values, answers task tokens; gates and pool slots in DynamoDB.
    bucket.grantRead(fns.worker, `${BUCKET_PREFIXES.artifacts}*`);
    bucket.grantRead(fns.worker, `${BUCKET_PREFIXES.xcom}*`);
    bucket.grantPut(fns.worker, `${BUCKET_PREFIXES.xcom}*`);
    tables.poolSlots.grantReadWriteData(fns.worker);
    // A try whose pool is full goes back on its task queue as a new, delayed message (never the control queue).
    for (const queue of Object.values(this.queues.taskQueues)) queue.grantSendMessages(fns.worker);
    // Gates, signals and answered-token records live in the task-instances table.
    tables.taskInstances.grantReadWriteData(fns.worker);
    // Task tokens are not resources: these actions take no resource-level permissions.
    const answerTasks = ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'];
    allow(fns.worker, answerTasks, ['*']);
    // Task code reaches the user's data as native steps do.
    grantDataAccess(this, fns.worker, props);

    // Fargate workers: the same as the Lambda worker; the state machines may start them and pass their roles.
    const fargateTask = this.fargate.taskDefinition;
    bucket.grantRead(fargateTask.taskRole, `${BUCKET_PREFIXES.artifacts}*`);
    bucket.grantRead(fargateTask.taskRole, `${BUCKET_PREFIXES.xcom}*`);
    bucket.grantPut(fargateTask.taskRole, `${BUCKET_PREFIXES.xcom}*`);
    allow(fargateTask.taskRole, answerTasks, ['*']);
    // A container task's image answers its own task token (AIRSTEP_TASK_TOKEN in its environment).
    allow(this.fargate.containerTaskRole, answerTasks, ['*']);
    grantDataAccess(this, fargateTask.taskRole, props);
    tables.taskInstances.grantReadWriteData(fargateTask.taskRole);
    // A Fargate try takes and gives back its DAG's and its pool's slots (conditional updates of one item, and
    // consistent reads of it); it never scans the table (the recorder frees an ended run's slots).
    tables.poolSlots.grant(fargateTask.taskRole, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    // runAs: both workers may assume exactly the roles the props list (dag-sync refuses any other).
    if (assumable.length > 0) {
      allow(fns.worker, ['sts:AssumeRole'], [...assumable]);
      allow(fargateTask.taskRole, ['sts:AssumeRole'], [...assumable]);
    }
    this.fargate.container.addEnvironment(STACK_ENV.bucket, bucket.bucketName);
    this.fargate.container.addEnvironment(STACK_ENV.taskInstancesTable, tables.taskInstances.tableName);
    this.fargate.container.addEnvironment(STACK_ENV.poolSlotsTable, tables.poolSlots.tableName);
    this.fargate.container.addEnvironment(STACK_ENV.pools, JSON.stringify(props.pools ?? {}));
    this.grantSecretReads([fns.worker.grantPrincipal, fargateTask.taskRole], props.secretsKey);
    env('secretsPrefix', this.secretsPrefix, ['worker']);
    this.fargate.container.addEnvironment(STACK_ENV.secretsPrefix, this.secretsPrefix);
    this.stateMachineRole.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:RunTask'],
        // Any revision of the worker's family (the ASL names the family; RunTask takes its latest revision), and
        // the task definitions dag-sync registers for container tasks (families `<prefix>-<dag>-<task>`).
        resources: [
          `arn:${partition}:ecs:${region}:${account}:task-definition/${fargateTask.family}:*`,
          `arn:${partition}:ecs:${region}:${account}:task-definition/${prefix}-*:*`,
        ],
        conditions: { ArnEquals: { 'ecs:cluster': this.fargate.cluster.clusterArn } },
      }),
    );
    this.stateMachineRole.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [
          fargateTask.taskRole.roleArn,
          fargateTask.executionRole!.roleArn,
          this.fargate.containerTaskRole.roleArn,
          this.fargate.containerExecutionRole.roleArn,
        ],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );

    // trigger: reads the DAG record, starts executions (name = run id), records runs, queues runs over maxActiveRuns.
    tables.dags.grantReadData(fns.trigger);
    // The DAG's admission lease (an item of the dags table) serializes starting its runs with the recorder's.
    tables.dags.grant(fns.trigger, 'dynamodb:UpdateItem');
    tables.runs.grantReadWriteData(fns.trigger);
    tables.queuedRuns.grantReadWriteData(fns.trigger);
    allow(fns.trigger, ['states:StartExecution'], [stateMachineArns, versionArns]);
    // A fire it refuses or cannot read, with the reason (the same grant its dead-letter queue needs).
    allow(fns.trigger, ['sqs:SendMessage'], [this.queues.failedEvents.queueArn]);
    // Deadlines: a one-time schedule per accepted run in the deadline group, passing that group's role; a deadline
    // already past goes to the recorder at once (an asynchronous invoke with the schedule's event).
    const deadlineSchedules = `arn:${partition}:scheduler:${region}:${account}:schedule/${this.deadlineSchedules.group.name}/*`;
    allow(fns.trigger, ['scheduler:CreateSchedule'], [deadlineSchedules]);
    fns.trigger.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.deadlineSchedules.invokeRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    allow(fns.trigger, ['lambda:InvokeFunction'], [fns.recorder.functionArn]);

    // recorder: execution status changes -> records, metrics, alerts, next queued run, pool slots given back.
    tables.dags.grantReadData(fns.recorder);
    tables.dags.grant(fns.recorder, 'dynamodb:UpdateItem');
    tables.runs.grantReadWriteData(fns.recorder);
    tables.taskInstances.grantReadWriteData(fns.recorder);
    tables.queuedRuns.grantReadWriteData(fns.recorder);
    tables.poolSlots.grantReadWriteData(fns.recorder);
    this.alerts.topic.grantPublish(fns.recorder);
    // The history of an ended run; a run's context (its execution's input) for its deadline callback.
    allow(fns.recorder, ['states:GetExecutionHistory', 'states:DescribeExecution'], [executionArns]);
    allow(fns.recorder, ['states:StartExecution'], [stateMachineArns, versionArns]);
    // Callbacks no worker calls by itself (a run's, a timed-out try's): which exist is in the run's manifest; the
    // message goes to the control queue, whose worker calls them.
    allow(fns.recorder, ['s3:GetObject'], [bucket.arnForObjects(`${BUCKET_PREFIXES.artifacts}*/manifest.json`)]);
    allow(fns.recorder, ['sqs:SendMessage'], [this.queues.controlQueue.queueArn]);
    // Run metrics: PutMetricData takes no resource; the namespace condition keeps it to Airstep's.
    fns.recorder.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } },
      }),
    );
    // A run that ended in time has its deadline schedule deleted.
    allow(fns.recorder, ['scheduler:DeleteSchedule'], [deadlineSchedules]);
    new events.Rule(this, 'ExecutionStatusChanges', {
      description: 'Airstep DAG runs changing status',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: events.Match.prefix(stateMachinePrefix) },
      },
      targets: [
        new targets.LambdaFunction(fns.recorder, {
          retryAttempts: 4,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: this.queues.failedEvents,
        }),
      ],
    });
  }
}
