import { beforeAll, describe, expect, inject, it } from 'vitest';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { IamCheck } from './check-calls.ts';
import { synthesizeStackFacts } from './stack-facts.ts';
import { readStackFacts } from './stack-facts-file.ts';
import { TEMPLATE_ACCOUNT, TEMPLATE_REGION, TemplateValues } from './template-values.ts';

/**
 * `awsSdk` steps: the state machines' role gets an AWS API action only where the construct's `awsSdkPermissions`
 * list it, on the resources they name, plus the EventBridge rule Step Functions manages for a listed `.sync`
 * start action; the default stack allows none, and no other role gets them. (Emulators enforce no IAM: this is
 * the proof. dag-sync's refusal of a DAG needing more is test/dag-sync/check-compiled-dag.test.ts.)
 */
const at = (service: string, resource: string) =>
  `arn:aws:${service}:${TEMPLATE_REGION}:${TEMPLATE_ACCOUNT}:${resource}`;
const PRIMARY = at('athena', 'workgroup/primary');
const CHILD = at('states', 'stateMachine:reports-child');
const SYNC_RULE = at('events', 'rule/StepFunctionsGetEventsForStepFunctionsExecutionRule');
/** The roles an ECS RunTask .sync step's task definition runs with, which the state machines must pass. */
const JOB_TASK_ROLE = `arn:aws:iam::${TEMPLATE_ACCOUNT}:role/report-job-task`;
const JOB_EXECUTION_ROLE = `arn:aws:iam::${TEMPLATE_ACCOUNT}:role/report-job-execution`;
/** A wildcard entry of passableRoleArns, as an IAM policy's Resource takes it. */
const TRAINING_ROLES = `arn:aws:iam::${TEMPLATE_ACCOUNT}:role/training-*`;

let granted: IamCheck;
let dagSyncEnv: Record<string, string>;
let defaults: IamCheck;
beforeAll(async () => {
  const facts = synthesizeStackFacts({
    airstep: {
      awsSdkPermissions: [
        {
          actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:StopQueryExecution'],
          resources: [PRIMARY],
        },
        {
          actions: ['states:StartExecution', 'states:DescribeExecution', 'states:StopExecution'],
          resources: [CHILD, at('states', 'execution:reports-child:*')],
        },
        // An ECS RunTask .sync step: the roles it passes are the passableRoleArns.
        { actions: ['ecs:RunTask', 'ecs:StopTask', 'ecs:DescribeTasks'] },
      ],
      passableRoleArns: [JOB_TASK_ROLE, JOB_EXECUTION_ROLE, TRAINING_ROLES],
    },
  });
  granted = new IamCheck(facts);
  dagSyncEnv = new TemplateValues(facts.resources).resolve(facts.environments.dagSync) as Record<string, string>;
  defaults = new IamCheck(await readStackFacts(inject('iamStackFacts')));
});

const decide = (check: IamCheck, role: Parameters<IamCheck['decide']>[0], action: string, resource: string) =>
  check.decide(role, { action, resource });
/** iam:PassRole as IAM evaluates it: the role, and the service it is handed to. */
const pass = (check: IamCheck, role: Parameters<IamCheck['decide']>[0], roleArn: string, service: string) =>
  check.decide(role, { action: 'iam:PassRole', resource: roleArn, context: { 'iam:PassedToService': service } });

describe('IAM: awsSdk steps', () => {
  it('lets the state machines call the listed actions on the listed resources, and nothing else', async () => {
    expect(await decide(granted, 'stateMachine', 'athena:StartQueryExecution', PRIMARY)).toBe('Allowed');
    expect(await decide(granted, 'stateMachine', 'athena:GetQueryExecution', PRIMARY)).toBe('Allowed');
    expect(
      await decide(granted, 'stateMachine', 'athena:StartQueryExecution', at('athena', 'workgroup/adhoc')),
    ).not.toBe('Allowed');
    expect(await decide(granted, 'stateMachine', 'athena:GetQueryResults', PRIMARY)).not.toBe('Allowed');
    expect(await decide(granted, 'stateMachine', 'glue:StartJobRun', at('glue', 'job/load'))).not.toBe('Allowed');
    expect(await decide(granted, 'stateMachine', 'states:StartExecution', CHILD)).toBe('Allowed');
  });

  it('grants the managed EventBridge rule of a listed .sync start action (startExecution.sync:2), and no other rule', async () => {
    for (const action of ['events:PutTargets', 'events:PutRule', 'events:DescribeRule']) {
      expect(await decide(granted, 'stateMachine', action, SYNC_RULE)).toBe('Allowed');
    }
    // Athena's .sync polls without a rule; Batch's rule is not granted since batch:SubmitJob is not listed.
    expect(
      await decide(
        granted,
        'stateMachine',
        'events:PutRule',
        at('events', 'rule/StepFunctionsGetEventsForBatchJobsRule'),
      ),
    ).not.toBe('Allowed');
    expect(await decide(granted, 'stateMachine', 'events:PutRule', at('events', 'rule/other'))).not.toBe('Allowed');
  });

  it('lets the state machines pass exactly the passableRoleArns (an ECS RunTask .sync step), to the services whose calls take a role, no other', async () => {
    expect(await pass(granted, 'stateMachine', JOB_TASK_ROLE, 'ecs-tasks.amazonaws.com')).toBe('Allowed');
    expect(await pass(granted, 'stateMachine', JOB_EXECUTION_ROLE, 'ecs-tasks.amazonaws.com')).toBe('Allowed');
    expect(await pass(granted, 'stateMachine', JOB_TASK_ROLE, 'emr-serverless.amazonaws.com')).toBe('Allowed');
    const training = `arn:aws:iam::${TEMPLATE_ACCOUNT}:role/training-nightly`;
    expect(await pass(granted, 'stateMachine', training, 'sagemaker.amazonaws.com')).toBe('Allowed');
    // Not to a service no awsSdk step hands a role to (a Lambda function, an EC2 instance).
    expect(await pass(granted, 'stateMachine', JOB_TASK_ROLE, 'lambda.amazonaws.com')).not.toBe('Allowed');
    expect(await pass(granted, 'stateMachine', training, 'ec2.amazonaws.com')).not.toBe('Allowed');
    expect(await decide(granted, 'stateMachine', 'ecs:RunTask', at('ecs', 'task-definition/report:3'))).toBe('Allowed');
    expect(
      await decide(
        granted,
        'stateMachine',
        'events:PutRule',
        at('events', 'rule/StepFunctionsGetEventsForECSTaskRule'),
      ),
    ).toBe('Allowed');
    expect(
      await pass(granted, 'stateMachine', `arn:aws:iam::${TEMPLATE_ACCOUNT}:role/admin`, 'ecs-tasks.amazonaws.com'),
    ).not.toBe('Allowed');
    expect(await pass(defaults, 'stateMachine', JOB_TASK_ROLE, 'ecs-tasks.amazonaws.com')).not.toBe('Allowed');
    for (const role of ['worker', 'fargateWorker', 'dagSync', 'trigger', 'recorder'] as const)
      expect(await pass(granted, role, JOB_TASK_ROLE, 'ecs-tasks.amazonaws.com')).not.toBe('Allowed');
  });

  it('tells dag-sync exactly the passableRoleArns (AIRSTEP_PASSABLE_ROLE_ARNS), which its check compares steps with', () => {
    expect(JSON.parse(dagSyncEnv[STACK_ENV.passableRoleArns]!)).toEqual([
      JOB_TASK_ROLE,
      JOB_EXECUTION_ROLE,
      TRAINING_ROLES,
    ]);
  });

  it('gives the actions to no other role', async () => {
    for (const role of ['worker', 'fargateWorker', 'dagSync', 'trigger', 'recorder'] as const) {
      expect(await decide(granted, role, 'athena:StartQueryExecution', PRIMARY)).not.toBe('Allowed');
    }
  });

  it('tells dag-sync exactly the listed actions (AIRSTEP_AWS_SDK_ACTIONS), which its check compares steps with', () => {
    expect(JSON.parse(dagSyncEnv[STACK_ENV.awsSdkActions]!)).toEqual([
      'athena:GetQueryExecution',
      'athena:StartQueryExecution',
      'athena:StopQueryExecution',
      'ecs:DescribeTasks',
      'ecs:RunTask',
      'ecs:StopTask',
      'states:DescribeExecution',
      'states:StartExecution',
      'states:StopExecution',
    ]);
  });

  it("allows the default stack (the example data) only the athena_query example's actions, on the primary workgroup", async () => {
    for (const action of ['StartQueryExecution', 'GetQueryExecution', 'StopQueryExecution', 'GetQueryResults']) {
      expect(await decide(defaults, 'stateMachine', `athena:${action}`, PRIMARY)).toBe('Allowed');
    }
    expect(
      await decide(defaults, 'stateMachine', 'athena:StartQueryExecution', at('athena', 'workgroup/adhoc')),
    ).not.toBe('Allowed');
    expect(await decide(defaults, 'stateMachine', 'athena:DeleteWorkGroup', PRIMARY)).not.toBe('Allowed');
    expect(await decide(defaults, 'stateMachine', 'glue:StartJobRun', at('glue', 'job/load'))).not.toBe('Allowed');
    // Every stack keeps the managed rule of `startExecution.sync:2` for a split DAG's parent (child-machine-grants.ts),
    // and only that one.
    expect(await decide(defaults, 'stateMachine', 'events:PutRule', SYNC_RULE)).toBe('Allowed');
    expect(
      await decide(
        defaults,
        'stateMachine',
        'events:PutRule',
        at('events', 'rule/StepFunctionsGetEventsForBatchJobsRule'),
      ),
    ).not.toBe('Allowed');
    expect(await decide(defaults, 'worker', 'athena:StartQueryExecution', PRIMARY)).not.toBe('Allowed');
  });
});
