import { App, type AppProps, ArnFormat, CfnOutput, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { SECRETS_PREFIX_OUTPUT } from '../stack-contract/secrets-paths.ts';
import { BUCKET_OUTPUT, STACK_OUTPUTS } from '../stack-contract/stack-outputs.ts';
import { Airstep, type AirstepProps, type EmulatorProfile } from './airstep.ts';

export interface AirstepStackProps extends StackProps {
  /** Settings of the Airstep in the stack. @default - the defaults of `AirstepProps`, and the example DAGs' data */
  readonly airstep?: AirstepProps;
  /** Deploy to an emulator (see `AirstepProps.emulatorProfile`). @default - AWS */
  readonly emulatorProfile?: EmulatorProfile;
}

/** The CDK context value that deploys the stack to an emulator: `cdk deploy -c airstep:emulatorProfile=ministack`. */
export const EMULATOR_PROFILE_CONTEXT = 'airstep:emulatorProfile';

/** Buckets the example DAGs in `dags/` read and write, from task code, native S3 steps and sensors. */
export const EXAMPLE_DATA_BUCKETS = ['airstep-raw', 'airstep-processed', 'airstep-analytics'] as const;

/** The role the default stack lets task code run under (`runAs`), in the stack's own account. */
export const EXAMPLE_RUN_AS_ROLE = 'airstep-example-reader';

/**
 * What the example DAGs reach besides the buckets (`dags/examples/native_steps.ts`): the `airstep-audit` table, the
 * `airstep-alerts` topic of the stack's account and region, and its default event bus. Create the table and the
 * topic to run that example; pass your own props to grant your data instead.
 */
function exampleData(stack: Stack): AirstepProps {
  return {
    dataBuckets: [...EXAMPLE_DATA_BUCKETS],
    dataTables: ['airstep-audit'],
    // A role task code may run under (`runAs`): create it, trusting the worker roles, to use it.
    assumableRoleArns: [
      stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: EXAMPLE_RUN_AS_ROLE }),
    ],
    messageTargets: [stack.formatArn({ service: 'sns', resource: 'airstep-alerts' })],
    // The athena_query example's steps (awsSdk): its query, on the primary workgroup.
    awsSdkPermissions: [
      {
        actions: [
          'athena:StartQueryExecution',
          'athena:GetQueryExecution',
          'athena:StopQueryExecution',
          'athena:GetQueryResults',
        ],
        resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: 'primary' })],
      },
    ],
    eventBuses: [
      stack.formatArn({
        service: 'events',
        resource: 'event-bus',
        resourceName: 'default',
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    ],
  };
}

/** The stack `npx cdk deploy` creates: one Airstep, and the names you need next as outputs. */
export class AirstepStack extends Stack {
  readonly airstep: Airstep;

  constructor(scope: Construct, id: string, props: AirstepStackProps = {}) {
    super(scope, id, props);
    this.airstep = new Airstep(this, 'Airstep', {
      ...(props.airstep ?? exampleData(this)),
      ...(props.emulatorProfile !== undefined && { emulatorProfile: props.emulatorProfile }),
    });
    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output(BUCKET_OUTPUT, this.airstep.bucket.bucket.bucketName, 'Sync DAG files to s3://<this>/dags/');
    output('AlertsTopicArn', this.airstep.alerts.topic.topicArn, 'Failed runs and alarms are published here');
    output('DashboardName', this.airstep.alerts.dashboard.dashboardName, 'CloudWatch dashboard');
    output(
      STACK_OUTPUTS.scheduleGroup,
      this.airstep.schedules.group.name!,
      'EventBridge Scheduler group of DAG schedules',
    );
    // What `airstep trigger | runs | tasks | list --stack` read (lib/stack-contract/stack-outputs.ts).
    const tables = this.airstep.tables.tables;
    output(STACK_OUTPUTS.triggerFunction, this.airstep.functions.functions.trigger.functionName, 'Starts a run');
    output(STACK_OUTPUTS.dagsTable, tables.dags.tableName, 'Live DAGs and their versions');
    output(STACK_OUTPUTS.runsTable, tables.runs.tableName, 'One item per run');
    output(STACK_OUTPUTS.taskInstancesTable, tables.taskInstances.tableName, 'Task states and tries of each run');
    output(STACK_OUTPUTS.importErrorsTable, tables.importErrors.tableName, 'Why a DAG file did not load');
    // What `airstep logs --stack` reads: each try's lines, tagged with DAG, run, task, map index and try.
    const { functions, fargate } = this.airstep;
    output(STACK_OUTPUTS.workerLogGroup, functions.logGroups.worker.logGroupName, 'Lambda worker task logs');
    output(STACK_OUTPUTS.fargateWorkerLogGroup, fargate.workerLogs.logGroupName, 'Fargate worker task logs');
    output(STACK_OUTPUTS.containerLogGroup, fargate.containerLogs.logGroupName, 'Container tasks’ output');
    // What `airstep variables|connections --stack` read: SSM /<this>/variables/*, Secrets Manager <this>/connections/*.
    output(SECRETS_PREFIX_OUTPUT, this.airstep.secretsPrefix, 'Where task code’s Variables and Connections live');
  }
}

/** The app in `cdk.json`: the stack, checked by cdk-nag's AWS Solutions rules when it is synthesized. */
export function buildApp(props: AppProps = {}): { app: App; stack: AirstepStack } {
  const app = new App(props);
  const emulatorProfile = app.node.tryGetContext(EMULATOR_PROFILE_CONTEXT) as EmulatorProfile | undefined;
  const stack = new AirstepStack(app, 'AirstepStack', emulatorProfile === undefined ? {} : { emulatorProfile });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
