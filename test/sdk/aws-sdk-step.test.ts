import { GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { StartJobRunCommand } from '@aws-sdk/client-glue';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { dag, type TaskRef } from '../../lib/index.ts';
import { formatProblem } from '../../lib/sdk/errors.ts';

/** The compiled Task state of one task (named for the task id), wherever it is (Parallel branches too). */
function taskState(d: ReturnType<typeof dag>, id: string): Record<string, unknown> {
  const compiled = compileDag(d);
  expect(compiled.problems).toEqual([]);
  const find = (machine: { States: Record<string, Record<string, unknown>> }): Record<string, unknown> | undefined => {
    if (machine.States[id] !== undefined) return machine.States[id];
    for (const state of Object.values(machine.States)) {
      for (const branch of (state.Branches ?? []) as Array<typeof machine>) {
        const found = find(branch);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };
  const state = find(JSON.parse(compiled.asl!));
  expect(state).toBeDefined();
  return state!;
}

describe('Factory: awsSdk', () => {
  it('compiles an Athena query with .sync to the optimised integration, templates filled by Step Functions', () => {
    const d = dag({ id: 'athena_sync' });
    d.awsSdk(
      'run_query',
      StartQueryExecutionCommand,
      {
        QueryString: "SELECT * FROM sales WHERE day = '{{ ds }}'",
        WorkGroup: 'primary',
        ResultConfiguration: { OutputLocation: 's3://results/{{ ds_nodash }}/' },
      },
      { sync: true },
    );
    const state = taskState(d, 'run_query');
    expect(state.Resource).toBe('arn:aws:states:::athena:startQueryExecution.sync');
    expect(state.Parameters).toEqual({
      'QueryString.$': "States.Format('SELECT * FROM sales WHERE day = \\'{}\\'', $.ctx.ds)",
      WorkGroup: 'primary',
      ResultConfiguration: { 'OutputLocation.$': "States.Format('s3://results/{}/', $.ctx.dsNodash)" },
    });
  });

  it("names members as Step Functions does (PascalCase) and keeps a map's keys (Glue Arguments)", () => {
    const d = dag({ id: 'casing' });
    d.awsSdk('start', StartExecutionCommand, {
      stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:m',
      input: '{}',
    });
    d.awsSdk('glue', StartJobRunCommand, { JobName: 'load', Arguments: { '--day': '{{ ds }}', '--mode': 'full' } });
    expect(taskState(d, 'start')).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:sfn:startExecution',
      Parameters: { StateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:m', Input: '{}' },
    });
    expect(taskState(d, 'glue')).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:glue:startJobRun',
      Parameters: { JobName: 'load', Arguments: { '--day.$': '$.ctx.ds', '--mode': 'full' } },
    });
  });

  it('maps the SDK service and action of other .sync integrations to their own resource names', () => {
    const d = dag({ id: 'sync_names' });
    d.awsSdk('child', StartExecutionCommand, { stateMachineArn: 'arn:m' }, { sync: true });
    d.awsSdk('job', StartJobRunCommand, { JobName: 'j' }, { sync: true });
    expect(taskState(d, 'child').Resource).toBe('arn:aws:states:::states:startExecution.sync:2');
    expect(taskState(d, 'job').Resource).toBe('arn:aws:states:::glue:startJobRun.sync');
  });

  it('refuses sync for an action Step Functions has no .sync integration for, and says what to do', () => {
    const d = dag({ id: 'bad_sync' });
    d.awsSdk('get', GetQueryExecutionCommand, { QueryExecutionId: 'q' }, { sync: true });
    expect(compileDag(d).problems.map(formatProblem)).toEqual([
      'dag bad_sync › task get › sync: athena:getQueryExecution has no optimised .sync integration in Step Functions (only athena:startQueryExecution, glue:startJobRun, batch:submitJob, ecs:runTask, emrserverless:startJobRun, codebuild:startBuild, sfn:startExecution, sagemaker:createTrainingJob); call it without sync and wait with a sensor',
    ]);
  });

  it('refuses, all at once, what JavaScript callers pass past the types: unknown fields, a class that is no command, a sync that is no boolean, a bad template', () => {
    const d = dag({ id: 'untyped' });
    const loose = d as unknown as {
      awsSdk(id: string, command: unknown, input: unknown, options?: unknown): TaskRef<unknown>;
    };
    loose.awsSdk('typo', StartQueryExecutionCommand, {
      QueryStrin: 'SELECT 1',
      ResultConfiguration: { OutputLocaton: 's3://x/' },
    });
    loose.awsSdk('not_a_command', class Nope {}, {});
    loose.awsSdk('sync_text', ListObjectsV2Command, { Bucket: 'b' }, { sync: 'yes' });
    loose.awsSdk('template', ListObjectsV2Command, { Bucket: '{{ yesterday }}' });
    const problems = compileDag(d).problems.map(formatProblem);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^dag untyped › task typo › input\.QueryStrin: is not a field of athena:startQueryExecution \(known: QueryString, ClientRequestToken, /,
        ),
        expect.stringMatching(
          /^dag untyped › task typo › input\.ResultConfiguration\.OutputLocaton: is not a field of athena:startQueryExecution \(known: OutputLocation, /,
        ),
        'dag untyped › task not_a_command › command: must be an AWS SDK v3 command class such as StartQueryExecutionCommand from @aws-sdk/client-athena (its operation schema names the service and action)',
        'dag untyped › task sync_text › sync: must be true or false, got "yes"',
        expect.stringMatching(
          /^dag untyped › task template › input\.Bucket: .*unknown template variable '\{\{ yesterday \}\}'/,
        ),
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('types the input from the command class: misspelt fields, wrong types and missing required fields fail tsc', () => {
    const d = dag({ id: 'typed' });
    // @ts-expect-error: QueryStrin is not a field of StartQueryExecutionCommandInput
    d.awsSdk('misspelt', StartQueryExecutionCommand, { QueryStrin: 'SELECT 1' });
    // @ts-expect-error: JobName is a string, not a number
    d.awsSdk('wrong_type', StartJobRunCommand, { JobName: 42 });
    // @ts-expect-error: StartExecution needs stateMachineArn
    d.awsSdk('missing', StartExecutionCommand, { input: '{}' });
    // @ts-expect-error: a nested member is checked too (ResultConfiguration.OutputLocation)
    d.awsSdk('nested', StartQueryExecutionCommand, { QueryString: 'q', ResultConfiguration: { Output: 's3://x' } });
    // @ts-expect-error: an enum field takes its values or one whole template, not any text
    d.awsSdk('enum', StartJobRunCommand, { JobName: 'j', WorkerType: 'huge' });
    // A number field may be one whole template; an enum too.
    d.awsSdk('templated', StartJobRunCommand, {
      JobName: '{{ params.job }}',
      NumberOfWorkers: '{{ params.workers }}',
      WorkerType: '{{ params.worker_type }}',
    });
    expect(compileDag(d).problems.map(formatProblem)).toEqual(
      expect.arrayContaining([expect.stringContaining('task misspelt › input.QueryStrin: is not a field')]),
    );
  });

  it('types the result: the command output as JSON without $metadata, unknown for a .sync job', () => {
    const d = dag({ id: 'results' });
    const listed = d.awsSdk('list', ListObjectsV2Command, { Bucket: 'b' });
    expectTypeOf(listed).toEqualTypeOf<TaskRef<Exclude<Parameters<typeof pick>[0], undefined>>>();
    const started = d.awsSdk('q', StartQueryExecutionCommand, { QueryString: 'SELECT 1' }, { sync: true });
    expectTypeOf(started).toEqualTypeOf<TaskRef<unknown>>();
    const plain = d.awsSdk('q2', StartQueryExecutionCommand, { QueryString: 'SELECT 1' });
    expectTypeOf(plain).toEqualTypeOf<TaskRef<{ QueryExecutionId?: string | undefined }>>();
  });
});

/** The JSON shape of ListObjectsV2's answer as `awsSdk` types it (dates as text), for the type test above. */
declare function pick(
  value: import('../../lib/sdk/aws-sdk-step.ts').AwsSdkOutput<import('@aws-sdk/client-s3').ListObjectsV2CommandOutput>,
): void;
