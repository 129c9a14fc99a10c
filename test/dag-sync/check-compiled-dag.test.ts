import { beforeAll, describe, expect, it } from 'vitest';
import { compileFiles } from '../../lib/cli/compile-files.ts';
import { type CompiledDagClaim, checkCompiledDags, type StackTargets } from '../../lib/dag-sync/check-compiled-dag.ts';
import { evaluatedChildren } from '../../lib/dag-sync/evaluated-children.ts';

const STACK: StackTargets = {
  queueUrls: [
    'https://sqs.us-east-1.amazonaws.com/123456789012/control',
    'https://sqs.us-east-1.amazonaws.com/123456789012/tasks',
  ],
  ecsClusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/airstep',
  workerTaskDefinition: 'airstep-worker',
};
/** What the athena_query example's steps need, as a stack deploying it lists in awsSdkPermissions. */
const EXAMPLE_ACTIONS = [
  'athena:StartQueryExecution',
  'athena:GetQueryExecution',
  'athena:StopQueryExecution',
  'athena:GetQueryResults',
];

/** Every example DAG and the dag-sync fixture with Fargate work and a container image, as the compiler emits them. */
let compiled: CompiledDagClaim[];
beforeAll(async () => {
  const files = await compileFiles(['dags', 'test/fixtures/dag-sync/containers.ts']);
  compiled = files.flatMap((file) =>
    file.compiled.map((dag) => ({
      dagId: dag.ir.dagId,
      ir: dag.ir,
      asl: dag.asl!,
      manifest: dag.manifest!,
      ...evaluatedChildren(dag),
    })),
  );
});
/** A DAG claim whose definition has the given states. */
const claim = (states: Record<string, unknown>, dagId = 'forged'): CompiledDagClaim => ({
  dagId,
  ir: { dagId },
  manifest: { dagId },
  asl: JSON.stringify({ StartAt: Object.keys(states)[0], States: states }),
});
const task = (Resource: string, Parameters: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource,
  Parameters,
  End: true,
});

describe('Function: checkCompiledDags', () => {
  it('refuses an awsSdk step whose IAM actions the stack does not allow, naming the state and each action', () => {
    const stack = { ...STACK, awsSdkActions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'glue:*'] };
    const dags = [
      claim({
        run_query: task('arn:aws:states:::athena:startQueryExecution.sync'),
        results: task('arn:aws:states:::aws-sdk:athena:getQueryResults'),
        run_job: task('arn:aws:states:::glue:startJobRun.sync'),
        list: task('arn:aws:states:::aws-sdk:s3:listBuckets'),
      }),
    ];
    expect(checkCompiledDags(dags, stack)).toEqual([
      'dag forged › state "run_query" › Resource arn:aws:states:::athena:startQueryExecution.sync: needs athena:StopQueryExecution, which this stack\'s state machines may not call (list it in the Airstep construct\'s awsSdkPermissions)',
      'dag forged › state "results" › Resource arn:aws:states:::aws-sdk:athena:getQueryResults: needs athena:GetQueryResults, which this stack\'s state machines may not call (list it in the Airstep construct\'s awsSdkPermissions)',
      'dag forged › state "list" › Resource arn:aws:states:::aws-sdk:s3:listBuckets: needs s3:ListAllMyBuckets, which this stack\'s state machines may not call (list it in the Airstep construct\'s awsSdkPermissions)',
    ]);
  });

  it('passes a .sync step whose start, describe and stop actions are allowed; the managed rule comes with the start action', () => {
    const stack = {
      ...STACK,
      awsSdkActions: ['states:StartExecution', 'states:DescribeExecution', 'states:StopExecution'],
    };
    expect(checkCompiledDags([claim({ child: task('arn:aws:states:::states:startExecution.sync:2') })], stack)).toEqual(
      [],
    );
    // Without any allowed action, a stack refuses every awsSdk step (the default).
    expect(checkCompiledDags([claim({ child: task('arn:aws:states:::states:startExecution.sync:2') })], STACK)).toEqual(
      [
        'dag forged › state "child" › Resource arn:aws:states:::states:startExecution.sync:2: needs states:StartExecution, states:DescribeExecution, states:StopExecution, events:PutTargets, events:PutRule, events:DescribeRule, which this stack\'s state machines may not call (list them in the Airstep construct\'s awsSdkPermissions)',
      ],
    );
  });

  it('refuses a step that hands the service a role when the stack lists no passable role, naming the state and the role', () => {
    const role = 'arn:aws:iam::123456789012:role/training';
    const train = task('arn:aws:states:::sagemaker:createTrainingJob.sync', { RoleArn: role, TrainingJobName: 't' });
    const runTask = task('arn:aws:states:::ecs:runTask.sync', {
      Cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/jobs',
      TaskDefinition: 'report',
      Overrides: { 'TaskRoleArn.$': '$.role' },
    });
    const plainRunTask = task('arn:aws:states:::ecs:runTask.sync', {
      Cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/jobs',
      TaskDefinition: 'report',
    });
    const jobActions = ['sagemaker:*', 'ecs:RunTask', 'ecs:StopTask', 'ecs:DescribeTasks'];

    expect(
      checkCompiledDags([claim({ train, run_task: runTask, plain: plainRunTask })], {
        ...STACK,
        awsSdkActions: jobActions,
      }),
    ).toEqual([
      `dag forged › state "train" › Resource arn:aws:states:::sagemaker:createTrainingJob.sync: passes role ${role}, and this stack's state machines may pass none (list the roles in the Airstep construct's passableRoleArns)`,
      'dag forged › state "run_task" › Resource arn:aws:states:::ecs:runTask.sync: passes role (from $.role), and this stack\'s state machines may pass none (list the roles in the Airstep construct\'s passableRoleArns)',
      // RunTask without overrides still passes the task definition's roles.
      'dag forged › state "plain" › Resource arn:aws:states:::ecs:runTask.sync: passes a role its request does not name, and this stack\'s state machines may pass none (list the roles in the Airstep construct\'s passableRoleArns)',
    ]);
    // Glue and Athena jobs run with roles of their own: nothing is passed.
    expect(
      checkCompiledDags([claim({ job: task('arn:aws:states:::glue:startJobRun.sync', { JobName: 'load' }) })], {
        ...STACK,
        awsSdkActions: ['glue:*'],
      }),
    ).toEqual([]);
  });

  it('passes a step whose literal roles are listed in passableRoleArns (wildcards as IAM has them), and one that reads its role at run time (IAM checks that one)', () => {
    const train = task('arn:aws:states:::sagemaker:createTrainingJob.sync', {
      RoleArn: 'arn:aws:iam::123456789012:role/training',
      TrainingJobName: 't',
    });
    const emr = task('arn:aws:states:::emr-serverless:startJobRun.sync', {
      ApplicationId: 'app',
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/emr-jobs-nightly',
    });
    const runTask = task('arn:aws:states:::ecs:runTask.sync', {
      Cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/jobs',
      TaskDefinition: 'report',
      Overrides: { 'TaskRoleArn.$': '$.role' },
    });
    const stack = {
      ...STACK,
      awsSdkActions: ['sagemaker:*', 'emr-serverless:*', 'ecs:RunTask', 'ecs:StopTask', 'ecs:DescribeTasks'],
      passableRoleArns: ['arn:aws:iam::123456789012:role/training', 'arn:aws:iam::123456789012:role/emr-jobs-*'],
    };

    expect(checkCompiledDags([claim({ train, emr, run_task: runTask })], stack)).toEqual([]);
  });

  it('refuses a step whose literal role is not listed in passableRoleArns, with its missing actions too', () => {
    const stack = {
      ...STACK,
      awsSdkActions: ['ecs:RunTask'],
      passableRoleArns: ['arn:aws:iam::123456789012:role/report-*'],
    };
    const runTask = task('arn:aws:states:::ecs:runTask.sync', {
      Cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/jobs',
      TaskDefinition: 'report',
      Overrides: {
        TaskRoleArn: 'arn:aws:iam::123456789012:role/report-task',
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/admin',
      },
    });

    expect(checkCompiledDags([claim({ run_task: runTask })], stack)).toEqual([
      "dag forged › state \"run_task\" › Resource arn:aws:states:::ecs:runTask.sync: needs ecs:StopTask, ecs:DescribeTasks, which this stack's state machines may not call (list them in the Airstep construct's awsSdkPermissions); Resource arn:aws:states:::ecs:runTask.sync: passes role arn:aws:iam::123456789012:role/admin, which this stack's state machines may not pass (list it in the Airstep construct's passableRoleArns)",
    ]);
  });

  it('passes every example DAG, Fargate work and container images as the compiler emits them', () => {
    const resources = new Set(
      compiled.flatMap((dag) => [...dag.asl!.matchAll(/"Resource": "([^"]+)"/g)].map((m) => m[1])),
    );
    // The examples cover the worker queues, ECS, the native steps, Parallel and Map.
    expect(resources).toContain('arn:aws:states:::sqs:sendMessage.waitForTaskToken');
    expect(resources).toContain('arn:aws:states:::ecs:runTask.waitForTaskToken');
    expect(resources).toContain('arn:aws:states:::events:putEvents');
    expect(compiled.some((dag) => dag.asl!.includes('"ItemProcessor"'))).toBe(true);
    expect(compiled.length).toBeGreaterThanOrEqual(13);

    expect(checkCompiledDags(compiled, { ...STACK, awsSdkActions: EXAMPLE_ACTIONS })).toEqual([]);
  });

  it("passes a split DAG's parent starting its own children by placeholder, and only a DAG that says it is split", () => {
    const start = (arn: string) => task('arn:aws:states:::states:startExecution.sync:2', { StateMachineArn: arn });
    const split = (states: Record<string, unknown>) => {
      const dag = claim(states);
      return { ...dag, manifest: { dagId: dag.dagId, machines: { children: [] } } };
    };
    const child = { name: 'part-01', asl: JSON.stringify({ StartAt: 'done', States: { done: { Type: 'Succeed' } } }) };
    expect(
      checkCompiledDags([{ ...split({ 'run:part-01': start('${ChildMachineArn_01}') }), children: [child] }], STACK),
    ).toEqual([]);
    const needs =
      "needs states:StartExecution, states:DescribeExecution, states:StopExecution, events:PutTargets, events:PutRule, events:DescribeRule, which this stack's state machines may not call (list them in the Airstep construct's awsSdkPermissions)";
    expect(
      checkCompiledDags(
        [
          split({ other: start('arn:aws:states:us-east-1:123456789012:stateMachine:airstep-dag-sync') }),
          claim({ unsplit: start('${ChildMachineArn_01}') }, 'unsplit'),
        ],
        STACK,
      ),
    ).toEqual([
      `dag forged › state "other" › Resource arn:aws:states:::states:startExecution.sync:2: ${needs}`,
      `dag unsplit › state "unsplit" › Resource arn:aws:states:::states:startExecution.sync:2: ${needs}`,
    ]);
  });

  it("checks a split DAG's children: exactly those the parent starts, JSON, in the quota, no forged call, no start of a machine", () => {
    const start = (arn: string) => task('arn:aws:states:::states:startExecution.sync:2', { StateMachineArn: arn });
    const parent = (parts: string[]) => {
      const dag = claim(
        Object.fromEntries(parts.map((part) => [`run:${part}`, start(`\${ChildMachineArn_${part.slice(5)}}`)])),
      );
      return { ...dag, manifest: { dagId: dag.dagId, machines: { children: [] } } };
    };
    const machine = (states: Record<string, unknown>) =>
      JSON.stringify({ StartAt: Object.keys(states)[0], States: states });
    const fine = machine({ done: { Type: 'Succeed' } });
    expect(
      checkCompiledDags(
        [
          {
            ...parent(['part-01', 'part-02', 'part-03']),
            children: [
              { name: 'part-01', asl: machine({ backdoor: task('arn:aws:states:::aws-sdk:iam:createUser') }) },
              { name: 'part-02', asl: machine({ nested: start('${ChildMachineArn_01}') }) },
              { name: 'part-04', asl: fine },
              { name: 'part-04', asl: '{' },
            ],
          },
          { ...claim({ done: { Type: 'Succeed' } }, 'whole'), children: [{ name: 'part-01', asl: fine }] },
          {
            ...parent(['part-01']),
            dagId: 'big',
            ir: { dagId: 'big' },
            manifest: { dagId: 'big', machines: {} },
            children: [{ name: 'part-01', asl: `${fine}${' '.repeat(1_048_576)}` }],
          },
        ],
        STACK,
      ),
    ).toEqual([
      'dag forged › child part-03: the parent starts it, but it was not compiled',
      'dag forged › child part-01 › state "backdoor" › Resource arn:aws:states:::aws-sdk:iam:createUser: needs iam:CreateUser, which this stack\'s state machines may not call (list it in the Airstep construct\'s awsSdkPermissions)',
      'dag forged › child part-02 › state "nested" › Resource arn:aws:states:::states:startExecution.sync:2: needs states:StartExecution, states:DescribeExecution, states:StopExecution, events:PutTargets, events:PutRule, events:DescribeRule, which this stack\'s state machines may not call (list them in the Airstep construct\'s awsSdkPermissions)',
      'dag forged › child part-04: the parent does not start it',
      'dag forged › child part-04: defined twice',
      'dag forged › child part-04: the parent does not start it',
      'dag forged › child part-04 › definition: not JSON',
      'dag whole › children: a DAG in one state machine has no child state machines',
      `dag big › child part-01 › definition: ${fine.length + 1_048_576} bytes, over Step Functions' 1048576`,
    ]);
  });

  it('refuses a service call the compiler never emits, naming the DAG, the state and the resource', () => {
    const problems = checkCompiledDags(
      [
        claim({
          Backdoor: task('arn:aws:states:::aws-sdk:iam:createUser', { UserName: 'mallory' }),
          Escalate: task('arn:aws:states:::states:startExecution', { StateMachineArn: 'arn:aws:states:::x' }),
          Direct: task('arn:aws:lambda:us-east-1:123456789012:function:airstep-dag-sync'),
        }),
      ],
      STACK,
    );
    const refused = ": not a service call Airstep compiles (only its workers' queues and tasks, and its native steps)";
    expect(problems).toEqual([
      // awsSdk steps compile to any aws-sdk resource: one the stack's awsSdkPermissions do not list is refused.
      `dag forged › state "Backdoor" › Resource arn:aws:states:::aws-sdk:iam:createUser: needs iam:CreateUser, which this stack's state machines may not call (list it in the Airstep construct's awsSdkPermissions)`,
      `dag forged › state "Escalate" › Resource arn:aws:states:::states:startExecution${refused}`,
      `dag forged › state "Direct" › Resource arn:aws:lambda:us-east-1:123456789012:function:airstep-dag-sync${refused}`,
    ]);
  });

  it('walks Parallel branches, Map item processors and the older Map Iterator', () => {
    const hidden = (name: string) => ({
      StartAt: name,
      States: { [name]: task('arn:aws:states:::aws-sdk:iam:createUser') },
    });
    const problems = checkCompiledDags(
      [
        claim({
          Fan: {
            Type: 'Parallel',
            Branches: [{ StartAt: 'Ok', States: { Ok: { Type: 'Pass', End: true } } }, hidden('InBranch')],
            Next: 'Each',
          },
          Each: { Type: 'Map', ItemProcessor: hidden('InMap'), Next: 'Old' },
          Old: {
            Type: 'Map',
            Iterator: {
              StartAt: 'Inner',
              States: { Inner: { Type: 'Parallel', Branches: [hidden('Deep')], End: true } },
            },
            End: true,
          },
        }),
      ],
      STACK,
    );
    expect(problems.map((problem) => problem.split(' › Resource')[0])).toEqual([
      'dag forged › state "InBranch"',
      'dag forged › state "InMap"',
      'dag forged › state "Deep"',
    ]);
  });

  it("refuses a worker wait on a queue that is not the stack's, and RunTask of another cluster or task definition", () => {
    const wait = 'arn:aws:states:::sqs:sendMessage.waitForTaskToken';
    const run = 'arn:aws:states:::ecs:runTask.waitForTaskToken';
    const problems = checkCompiledDags(
      [
        claim({
          OwnQueue: { ...task(wait, { QueueUrl: '${TaskQueueUrl_default}' }), End: undefined, Next: 'OwnUrl' },
          OwnUrl: { ...task(wait, { QueueUrl: STACK.queueUrls[1] }), End: undefined, Next: 'Foreign' },
          Foreign: {
            ...task(wait, { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/999999999999/theirs' }),
            End: undefined,
            Next: 'Dynamic',
          },
          Dynamic: { ...task(wait, { 'QueueUrl.$': '$.queue' }), End: undefined, Next: 'OtherCluster' },
          OtherCluster: {
            ...task(run, {
              Cluster: 'arn:aws:ecs:us-east-1:999999999999:cluster/x',
              TaskDefinition: '${WorkerTaskDefinition}',
            }),
            End: undefined,
            Next: 'OtherFamily',
          },
          OtherFamily: task(run, {
            Cluster: '${EcsClusterArn}',
            TaskDefinition: 'arn:aws:ecs:us-east-1:999999999999:task-definition/admin:1',
          }),
        }),
      ],
      STACK,
    );
    expect(problems).toEqual([
      `dag forged › state "Foreign" › Resource ${wait}: QueueUrl 'https://sqs.us-east-1.amazonaws.com/999999999999/theirs' is not one of this stack's task or control queues`,
      `dag forged › state "Dynamic" › Resource ${wait}: QueueUrl not a fixed value is not one of this stack's task or control queues`,
      `dag forged › state "OtherCluster" › Resource ${run}: Cluster 'arn:aws:ecs:us-east-1:999999999999:cluster/x' is not this stack's cluster`,
      `dag forged › state "OtherFamily" › Resource ${run}: TaskDefinition 'arn:aws:ecs:us-east-1:999999999999:task-definition/admin:1' is not the worker's or a container task's`,
    ]);
  });

  it('refuses ids that disagree with the compiled DAG or the manifest, or repeat within the file', () => {
    const ok = { Only: { Type: 'Pass', End: true } };
    const problems = checkCompiledDags(
      [
        { ...claim(ok, 'etl'), ir: { dagId: 'billing' } },
        { ...claim(ok, 'report'), manifest: { dagId: 'billing' } },
        claim(ok, 'report'),
        { ...claim(ok, 'broken'), asl: '{"States": ' },
        { ...claim(ok, 'empty'), asl: '{}' },
      ],
      STACK,
    );
    expect(problems).toEqual([
      "dag etl › id: the compiled DAG says 'billing'",
      "dag report › id: the manifest says 'billing'",
      'dag report › id: defined twice in the file',
      'dag broken › definition: not JSON',
      'dag empty › definition: has no States',
    ]);
  });
});
