import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { dag } from '../../lib/sdk/dag.ts';

const noop = async () => null;

describe('Compiler: triggerDag', () => {
  it('invokes the trigger function with a manual-run event whose run id is fixed per parent run and task', () => {
    const d = dag({
      id: 'parent',
      schedule: '@daily',
      startDate: '2026-11-01',
      params: { table: { type: 'string', default: 'x' } },
    });
    d.task('prepare', noop).then(
      d.triggerDag('start_child', { dagId: 'child', conf: { table: '{{ params.table }}', day: '{{ ds }}' } }),
    );

    const { definition, manifest, problems } = compileDag(d);

    expect(problems).toEqual([]);
    expect(aslValidator(structuredClone(definition) as never).isValid).toBe(true);
    expect(manifest!.placeholders).toContain('TriggerFunctionArn');
    const states = definition!.States as unknown as Record<string, Record<string, unknown>>;
    expect(states.start_child).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: '${TriggerFunctionArn}',
        Payload: {
          kind: 'manual',
          dagId: 'child',
          conf: { 'table.$': '$.ctx.params.table', 'day.$': '$.ctx.ds' },
          'runId.$': "States.Format('triggered__parent.start_child__{}', $.ctx.runId)",
        },
      },
      ResultSelector: { 'answer.$': '$.Payload' },
      ResultPath: '$.tasks.start_child',
      Next: 'start_child:answered',
    });
    expect(states['start_child:answered']).toEqual({
      Type: 'Choice',
      Choices: [
        {
          Or: ['started', 'queued', 'duplicate'].map((outcome) => ({
            Variable: '$.tasks.start_child.answer.outcome',
            StringEquals: outcome,
          })),
          Next: 'start_child:triggered',
        },
      ],
      Default: 'start_child:refused',
    });
    expect(states['start_child:refused']).toMatchObject({
      Parameters: {
        state: 'failed',
        error: { Error: 'TriggerRefused', 'Cause.$': 'States.JsonToString($.tasks.start_child.answer)' },
      },
    });
    expect(states['start_child:triggered']).toMatchObject({
      Parameters: { state: 'success', output: { dagId: 'child', 'runId.$': '$.tasks.start_child.answer.runId' } },
    });
    // No wait: no read of the runs table.
    expect(JSON.stringify(definition)).not.toContain('RunsTable');
  });

  it('waits for the run with GetItem polls of the runs table until an allowed or failed state', () => {
    const d = dag({ id: 'parent', schedule: null });
    d.triggerDag('start_child', {
      dagId: 'child',
      logicalDate: '{{ logical_date }}',
      runId: 'for__{{ ds }}',
      waitForCompletion: true,
      pokeInterval: '30 seconds',
      timeout: '10 minutes',
      failedStates: ['failed', 'interrupted'],
    });

    const { definition, problems } = compileDag(d);

    expect(problems).toEqual([]);
    expect(aslValidator(structuredClone(definition) as never).isValid).toBe(true);
    const states = definition!.States as unknown as Record<string, Record<string, unknown>>;
    expect(states.start_child).toMatchObject({
      Parameters: {
        Payload: { 'logicalDate.$': '$.ctx.logicalDate', 'runId.$': "States.Format('for__{}', $.ctx.ds)" },
      },
    });
    expect(states['start_child:answered']).toMatchObject({ Choices: [{ Next: 'start_child:start' }] });
    expect(states['start_child:start']).toEqual({
      Type: 'Pass',
      Parameters: { n: 0, wait: 30, 'runId.$': '$.tasks.start_child.answer.runId' },
      ResultPath: '$.tasks.start_child',
      Next: 'start_child:poke',
    });
    expect(states['start_child:poke']).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:getItem',
      Parameters: {
        TableName: '${RunsTable}',
        Key: { dagId: { S: 'child' }, runId: { 'S.$': '$.tasks.start_child.runId' } },
        ConsistentRead: true,
      },
      ResultPath: '$.tasks.start_child.poke',
      Next: 'start_child:check',
    });
    const state = '$.tasks.start_child.poke.Item.state.S';
    expect(states['start_child:check']).toEqual({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: state, IsPresent: true },
            { Variable: state, StringEquals: 'success' },
          ],
          Next: 'start_child:found',
        },
        {
          And: [
            { Variable: state, IsPresent: true },
            {
              Or: [
                { Variable: state, StringEquals: 'failed' },
                { Variable: state, StringEquals: 'interrupted' },
              ],
            },
          ],
          Next: 'start_child:run_failed',
        },
        // 10 minutes of 30-second waits: 21 pokes.
        { Variable: '$.tasks.start_child.n', NumericGreaterThanEquals: 20, Next: 'start_child:timed_out' },
      ],
      Default: 'start_child:tick',
    });
    expect(states['start_child:tick']).toMatchObject({
      Parameters: {
        'n.$': 'States.MathAdd($.tasks.start_child.n, 1)',
        'wait.$': '$.tasks.start_child.wait',
        'runId.$': '$.tasks.start_child.runId',
      },
      Next: 'start_child:wait',
    });
    expect(states['start_child:wait']).toEqual({
      Type: 'Wait',
      SecondsPath: '$.tasks.start_child.wait',
      Next: 'start_child:poke',
    });
  });
});

describe('Compiler: externalTaskSensor', () => {
  it('finds the run of the same logical date with a Query, reading on through pages, and checks its state', () => {
    const d = dag({ id: 'report', schedule: '@daily', startDate: '2026-11-01' });
    d.externalTaskSensor('wait_load', { externalDagId: 'load', pokeInterval: '5 minutes', softFail: true }).then(
      d.task('report', noop),
    );

    const { definition, problems } = compileDag(d);

    expect(problems).toEqual([]);
    expect(aslValidator(structuredClone(definition) as never).isValid).toBe(true);
    const states = definition!.States as unknown as Record<string, Record<string, unknown>>;
    expect(definition!.StartAt).toBe('wait_load:start');
    expect(states['wait_load:start']).toEqual({
      Type: 'Pass',
      Parameters: { n: 0, wait: 300, 'logicalDate.$': '$.ctx.logicalDate' },
      ResultPath: '$.tasks.wait_load',
      Next: 'wait_load',
    });
    const query = {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:dynamodb:query',
      Parameters: {
        TableName: '${RunsTable}',
        KeyConditionExpression: 'dagId = :dag',
        FilterExpression: 'logicalDate = :date',
        ProjectionExpression: 'runId, #state',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':dag': { S: 'load' }, ':date': { 'S.$': '$.tasks.wait_load.logicalDate' } },
        ConsistentRead: true,
      },
      ResultPath: '$.tasks.wait_load.poke',
      Next: 'wait_load:page',
    };
    expect(states.wait_load).toMatchObject(query);
    expect(states['wait_load:next_page']).toMatchObject({
      ...query,
      Parameters: { ...query.Parameters, 'ExclusiveStartKey.$': '$.tasks.wait_load.poke.LastEvaluatedKey' },
    });
    expect(states['wait_load:page']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.tasks.wait_load.poke.Count', NumericGreaterThan: 0, Next: 'wait_load:check' },
        { Variable: '$.tasks.wait_load.poke.LastEvaluatedKey', IsPresent: true, Next: 'wait_load:next_page' },
      ],
      Default: 'wait_load:check',
    });
    const check = states['wait_load:check'] as { Choices: Array<Record<string, unknown>> };
    expect(check.Choices[0]).toMatchObject({
      And: [{ Variable: '$.tasks.wait_load.poke.Items[0].state.S', IsPresent: true }, { StringEquals: 'success' }],
    });
    // softFail: a timeout skips the sensor; Airflow's default failedStates is empty, so no failed branch.
    expect(states['wait_load:timed_out']).toBeUndefined();
    expect(states['wait_load:run_failed']).toBeUndefined();
  });

  it("waits for one task's record in the task-instances table, by the run the Query found", () => {
    const d = dag({ id: 'report', schedule: '@daily', startDate: '2026-11-01' });
    d.externalTaskSensor('wait_load', {
      externalDagId: 'load',
      externalTaskId: 'g.load_rows',
      logicalDate: '{{ data_interval_start }}',
      failedStates: ['failed', 'upstream_failed'],
      skippedStates: ['skipped'],
    });

    const { definition, problems } = compileDag(d);

    expect(problems).toEqual([]);
    expect(aslValidator(structuredClone(definition) as never).isValid).toBe(true);
    const states = definition!.States as unknown as Record<string, Record<string, unknown>>;
    expect(states['wait_load:start']).toMatchObject({ Parameters: { 'logicalDate.$': '$.ctx.dataIntervalStart' } });
    expect(states['wait_load:page']).toMatchObject({ Choices: [{ Next: 'wait_load:task_poke' }, {}] });
    expect(states['wait_load:task_poke']).toMatchObject({
      Resource: 'arn:aws:states:::dynamodb:getItem',
      Parameters: {
        TableName: '${TaskInstancesTable}',
        Key: {
          runKey: { 'S.$': "States.Format('load#{}', $.tasks.wait_load.poke.Items[0].runId.S)" },
          taskKey: { S: 'g.load_rows#-1' },
        },
      },
      ResultPath: '$.tasks.wait_load.instance',
      Next: 'wait_load:check',
    });
    const check = states['wait_load:check'] as { Choices: Array<{ Next: string }> };
    expect(check.Choices.map((choice) => choice.Next)).toEqual([
      'wait_load:found',
      'wait_load:run_failed',
      'wait_load:skipped',
      'wait_load:timed_out',
    ]);
  });
});

describe('validate: cross-DAG tasks', () => {
  it('refuses a DAG that triggers or senses itself, unknown states, a state in two lists and idle wait options', () => {
    const d = dag({ id: 'loop', schedule: null });
    d.triggerDag('again', { dagId: 'loop' });
    d.triggerDag('no_wait', { dagId: 'other', pokeInterval: '1 minute', allowedStates: ['success'] });
    d.triggerDag('bad', { dagId: 'not a dag', waitForCompletion: true, allowedStates: ['done' as never] });
    d.externalTaskSensor('self', { externalDagId: 'loop' });
    d.externalTaskSensor('both', { externalDagId: 'other', allowedStates: ['success'], failedStates: ['success'] });
    d.externalTaskSensor('task_states', { externalDagId: 'other', externalTaskId: 't', allowedStates: ['queued'] });
    d.externalTaskSensor('timed', { externalDagId: 'other', executionTimeout: '1 hour' });

    const { problems } = compileDag(d);

    expect(problems.map((p) => `${p.taskId} › ${p.field}: ${p.message}`).sort()).toEqual(
      [
        "again › dagId: a DAG cannot trigger itself ('loop'): every run would start another, without end",
        "bad › allowedStates: must be a list of 'queued', 'running', 'success', 'failed', 'interrupted'",
        'bad › dagId: must be a DAG id (1-64 letters, digits, _ or -), got "not a dag"',
        "both › failedStates: 'success' is also in allowedStates",
        'no_wait › allowedStates: shapes the wait for the triggered run; set `waitForCompletion: true` or leave it out',
        'no_wait › pokeInterval: shapes the wait for the triggered run; set `waitForCompletion: true` or leave it out',
        "self › externalDagId: senses its own DAG ('loop'): within one run, make the task an upstream dependency instead",
        "task_states › allowedStates: must be a list of 'success', 'failed', 'skipped', 'upstream_failed'",
        "timed › executionTimeout: does nothing for an externalTaskSensor: a sensor's limit is its `timeout` (pokes and waits together); executionTimeout bounds one try",
      ].sort(),
    );
  });
});
