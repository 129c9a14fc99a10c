import { GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { CreateJobCommand, StartJobRunCommand } from '@aws-sdk/client-glue';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import athenaQuery from '../../dags/examples/athena_query.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { dag } from '../../lib/index.ts';
import { AwsServiceResources } from '../../lib/local/aws-service-resources.ts';
import type { TaskCall } from '../../lib/local/interpreter.ts';
import { runDagLocally, type TaskInstance } from '../../lib/local/run-dag.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * `awsSdk` steps in the local engine against moto: the engine calls Athena and Glue through their SDK clients,
 * renames members between Step Functions' PascalCase and the SDK's, and follows `.sync` jobs by describing them
 * until they end (moto ends Athena queries and Glue job runs at once, so a poll or two).
 */
let moto: RunningEmulator;
let resources: AwsServiceResources;
/** Every call the engine made, in order, to see the `.sync` polling. */
const calls: string[] = [];
/** What each step answered, by state name (a run keeps a native step's result only where XCom reads it). */
const answers: Record<string, unknown> = {};

beforeAll(async () => {
  moto = await startEmulator('moto');
  resources = new AwsServiceResources({ endpoint: moto.endpoint, region: 'us-east-1', syncPollMs: 20 });
});
afterAll(async () => {
  await moto?.stop();
});

const byId = (tasks: TaskInstance[]) => Object.fromEntries(tasks.map((t) => [t.taskId, t]));

async function run(d: ReturnType<typeof dag>) {
  const ctx = manualContext(d);
  return runDagLocally({
    dag: d,
    ctx,
    native: {
      invoke: async (call: TaskCall) => {
        calls.push(call.resource);
        answers[call.stateName] = await resources.invoke(call);
        return answers[call.stateName];
      },
    },
  });
}

describe('Local engine: awsSdk steps on moto', () => {
  it('runs a Glue job and an Athena query to their end (.sync), templates filled, results passed on as XCom', async () => {
    const d = dag({ id: 'sdk_sync' });
    const job = d.awsSdk('create_job', CreateJobCommand, {
      Name: 'load_sales',
      Role: 'arn:aws:iam::123456789012:role/glue',
      Command: { Name: 'glueetl', ScriptLocation: 's3://scripts/load.py' },
    });
    const runJob = d.awsSdk(
      'run_job',
      StartJobRunCommand,
      { JobName: '{{ xcom.create_job.Name }}', Arguments: { '--day': '{{ ds }}' } },
      { sync: true },
    );
    const query = d.awsSdk(
      'query',
      StartQueryExecutionCommand,
      {
        QueryString: "SELECT count(*) FROM sales WHERE day = '{{ ds }}'",
        ResultConfiguration: { OutputLocation: 's3://results/{{ ds_nodash }}/' },
      },
      { sync: true },
    );
    const check = d.awsSdk('check', GetQueryExecutionCommand, {
      QueryExecutionId: '{{ xcom.query.QueryExecution.QueryExecutionId }}',
    });
    job.then(runJob).then(query).then(check);
    calls.length = 0;

    const ctx = manualContext(d);
    const { execution, tasks } = await run(d);

    expect(execution.status).toBe('SUCCEEDED');
    expect(Object.fromEntries(tasks.map((task) => [task.taskId, task.state]))).toEqual({
      create_job: 'success',
      run_job: 'success',
      query: 'success',
      check: 'success',
    });
    // Glue's .sync result is the JobRun itself, in Step Functions' names, the map's keys as written.
    expect(answers.run_job).toMatchObject({
      JobName: 'load_sales',
      JobRunState: 'SUCCEEDED',
      Arguments: { '--day': ctx.ds },
    });
    // Athena's is GetQueryExecution's answer; the next step read its id through a template.
    expect(answers.query).toMatchObject({
      QueryExecution: { Query: `SELECT count(*) FROM sales WHERE day = '${ctx.ds}'`, Status: { State: 'SUCCEEDED' } },
    });
    const id = (answers.query as { QueryExecution: { QueryExecutionId: string } }).QueryExecution.QueryExecutionId;
    expect(answers.check).toMatchObject({ QueryExecution: { QueryExecutionId: id } });
    expect(calls).toEqual([
      'arn:aws:states:::aws-sdk:glue:createJob',
      'arn:aws:states:::glue:startJobRun.sync',
      'arn:aws:states:::athena:startQueryExecution.sync',
      'arn:aws:states:::aws-sdk:athena:getQueryExecution',
    ]);
  });

  it('waits for a child execution that runs a while (.sync:2) and gives its output as JSON, as Step Functions does', async () => {
    await fetch(`${moto.endpoint}/moto-api/config`, {
      method: 'POST',
      body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
    });
    const sfn = new SFNClient({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const child = await sfn.send(
      new CreateStateMachineCommand({
        name: 'child',
        roleArn: 'arn:aws:iam::123456789012:role/sfn',
        definition: JSON.stringify({
          StartAt: 'Wait',
          States: {
            Wait: { Type: 'Wait', Seconds: 1, Next: 'Done' },
            Done: { Type: 'Pass', Parameters: { 'day.$': '$.day', rows: 3 }, End: true },
          },
        }),
      }),
    );
    const d = dag({ id: 'sdk_child' });
    d.awsSdk(
      'child',
      StartExecutionCommand,
      { stateMachineArn: child.stateMachineArn!, input: '{"day": "{{ ds }}"}' },
      { sync: true },
    );
    const ctx = manualContext(d);
    const { execution } = await run(d);
    expect(execution.status).toBe('SUCCEEDED');
    // Only a describe after the child's end shows SUCCEEDED with a StopDate: the engine polled until then.
    expect(answers.child).toMatchObject({ Status: 'SUCCEEDED', Output: { day: ctx.ds, rows: 3 } });
    expect(typeof (answers.child as { StopDate?: unknown }).StopDate).toBe('string');
  });

  it('runs the athena_query example: the query to its end, then its first rows by the id it passed on', async () => {
    calls.length = 0;
    const ctx = manualContext(athenaQuery);
    const { execution, tasks } = await run(athenaQuery);
    expect(execution.status).toBe('SUCCEEDED');
    expect(Object.fromEntries(tasks.map((task) => [task.taskId, task.state]))).toEqual({
      revenue_by_region: 'success',
      first_rows: 'success',
    });
    expect(answers.revenue_by_region).toMatchObject({
      QueryExecution: {
        Query: `SELECT region, sum(amount) AS revenue FROM orders WHERE ds = '${ctx.ds}' GROUP BY region`,
        QueryExecutionContext: { Database: 'sales' },
        WorkGroup: 'primary',
        Status: { State: 'SUCCEEDED' },
      },
    });
    expect(answers.first_rows).toHaveProperty('ResultSet');
    expect(calls).toEqual([
      'arn:aws:states:::athena:startQueryExecution.sync',
      'arn:aws:states:::aws-sdk:athena:getQueryResults',
    ]);
  });

  it("fails a .sync step with the service's error, prefixed as Step Functions prefixes it", async () => {
    const d = dag({ id: 'sdk_missing_job' });
    d.awsSdk('run_job', StartJobRunCommand, { JobName: 'no_such_job' }, { sync: true });
    const { execution, tasks } = await run(d);
    expect(execution.status).toBe('FAILED');
    expect(byId(tasks).run_job).toMatchObject({ state: 'failed', error: 'Glue.EntityNotFoundException' });
  });

  it('fails an aws-sdk step with the error named as Step Functions names it: Sfn.<Name>Exception', async () => {
    const d = dag({ id: 'sdk_missing_execution' });
    d.awsSdk('describe', DescribeExecutionCommand, {
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:nothing:here',
    });
    const { execution, tasks } = await run(d);
    expect(execution.status).toBe('FAILED');
    // The SDK's own name is ExecutionDoesNotExist, under its client SFN: both renamed.
    expect(byId(tasks).describe).toMatchObject({ state: 'failed', error: 'Sfn.ExecutionDoesNotExistException' });
  });

  it('names the package to install when no client for the service is installed', async () => {
    const failed = resources.invoke({
      resource: 'arn:aws:states:::aws-sdk:emrserverless:listApplications',
      parameters: {},
      stateName: 'list',
      executionArn: 'e',
      retryCount: 0,
      signal: new AbortController().signal,
      timedOut: new AbortController().signal,
    });
    await expect(failed).rejects.toMatchObject({
      error: 'States.Runtime',
      cause_:
        'the local engine calls emrserverless through the AWS SDK v3, and no @aws-sdk/client-* package for it is installed: npm install @aws-sdk/client-emr-serverless',
    });
  });
});
