import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import type { AslState } from '../../lib/compiler/asl-types.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { dag } from '../../lib/sdk/dag.ts';

describe('Compiler: rendered ASL', () => {
  it('renders a two-task chain exactly: retries, timeouts, catch, skip, static routing, final result', () => {
    const d = dag({ id: 'pair' });
    const extract = d.task(
      'extract',
      {
        retries: 2,
        retryDelay: '10s',
        exponentialBackoff: true,
        maxRetryDelay: '1 minute',
        executionTimeout: '5 minutes',
        heartbeat: '30s',
      },
      async () => [1, 2],
    );
    d.task('load', { inputs: { rows: extract }, queue: 'heavy' }, async () => 'ok');
    const { definition, problems } = compileDag(d);
    expect(problems).toEqual([]);
    expect(definition).toEqual({
      Comment: 'Airstep DAG pair',
      StartAt: 'extract',
      States: {
        extract: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
          Parameters: {
            QueueUrl: '${TaskQueueUrl_default}',
            MessageBody: {
              kind: 'task',
              dagId: 'pair',
              dagVersion: '${DagVersion}',
              taskId: 'extract',
              'executionArn.$': '$$.Execution.Id',
              'retryCount.$': '$$.State.RetryCount',
              'token.$': '$$.Task.Token',
              'ctx.$': '$.ctx',
              inputs: {},
              mapIndex: -1,
            },
          },
          TimeoutSeconds: 300,
          HeartbeatSeconds: 30,
          ResultSelector: { state: 'success', 'try.$': '$.try', 'output.$': '$.output' },
          ResultPath: '$.tasks.extract',
          Retry: [
            { ErrorEquals: ['NonRetryableError', 'SkipError'], MaxAttempts: 0 },
            { ErrorEquals: ['States.ALL'], IntervalSeconds: 10, MaxAttempts: 2, BackoffRate: 2, MaxDelaySeconds: 60 },
          ],
          Catch: [
            { ErrorEquals: ['SkipError'], ResultPath: '$.tasks.extract', Next: 'extract:self_skipped' },
            { ErrorEquals: ['States.ALL'], ResultPath: '$.tasks.extract', Next: 'extract:failed' },
          ],
          Next: 'load',
        },
        'extract:self_skipped': {
          Type: 'Pass',
          Parameters: { state: 'skipped', output: null, 'skip.$': '$.tasks.extract' },
          ResultPath: '$.tasks.extract',
          Next: 'load:skipped',
        },
        'extract:failed': {
          Type: 'Pass',
          Parameters: { state: 'failed', output: null, 'error.$': '$.tasks.extract' },
          ResultPath: '$.tasks.extract',
          Next: 'load:upstream_failed',
        },
        load: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
          Parameters: {
            QueueUrl: '${TaskQueueUrl_heavy}',
            MessageBody: {
              kind: 'task',
              dagId: 'pair',
              dagVersion: '${DagVersion}',
              taskId: 'load',
              'executionArn.$': '$$.Execution.Id',
              'retryCount.$': '$$.State.RetryCount',
              'token.$': '$$.Task.Token',
              'ctx.$': '$.ctx',
              inputs: { 'rows.$': '$.tasks.extract.output' },
              mapIndex: -1,
            },
          },
          HeartbeatSeconds: 120,
          ResultSelector: { state: 'success', 'try.$': '$.try' },
          ResultPath: '$.tasks.load',
          Catch: [
            { ErrorEquals: ['SkipError'], ResultPath: '$.tasks.load', Next: 'load:self_skipped' },
            { ErrorEquals: ['States.ALL'], ResultPath: '$.tasks.load', Next: 'load:failed' },
          ],
          Next: 'run:result',
        },
        'load:upstream_failed': {
          Type: 'Pass',
          Result: { state: 'upstream_failed', output: null },
          ResultPath: '$.tasks.load',
          Next: 'run:result',
        },
        'load:skipped': {
          Type: 'Pass',
          Result: { state: 'skipped', output: null },
          ResultPath: '$.tasks.load',
          Next: 'run:result',
        },
        'run:result': {
          Type: 'Choice',
          Choices: [
            {
              Or: [
                { Variable: '$.tasks.load.state', StringEquals: 'failed' },
                { Variable: '$.tasks.load.state', StringEquals: 'upstream_failed' },
              ],
              Next: 'run:failed',
            },
          ],
          Default: 'run:succeeded',
        },
        'load:self_skipped': {
          Type: 'Pass',
          Parameters: { state: 'skipped', output: null, 'skip.$': '$.tasks.load' },
          ResultPath: '$.tasks.load',
          Next: 'run:result',
        },
        'load:failed': {
          Type: 'Pass',
          Parameters: { state: 'failed', output: null, 'error.$': '$.tasks.load' },
          ResultPath: '$.tasks.load',
          Next: 'run:result',
        },
        'run:failed': {
          Type: 'Fail',
          Error: 'DagRunFailed',
          Cause: 'a leaf task of DAG pair failed or its upstream failed; see the task states',
        },
        'run:succeeded': { Type: 'Succeed' },
      },
    });
  });

  it('gates the N shape: join waits for slow at a gate, slow signals when it ends, after_fast does not wait', () => {
    const d = dag({ id: 'n' });
    const slow = d.task('slow', async () => 1);
    const fast = d.task('fast', async () => 2);
    d.task('join', { upstream: [slow, fast] }, async () => 3);
    d.task('after_fast', { upstream: fast }, async () => 4);
    const { asl } = compileDag(d);
    const gates = [...asl!.matchAll(/"(\w+):gate"/g)].map((match) => match[1]);
    const signals = [...asl!.matchAll(/"(\w+):signal"/g)].map((match) => match[1]);
    expect(new Set(gates)).toEqual(new Set(['join']));
    expect(new Set(signals)).toEqual(new Set(['slow']));
    expect(asl).toContain('"$.gates.join.slow.state"');
  });

  it('compiles templates in native steps to JSONPath and States.Format', () => {
    const d = dag({ id: 'copy', params: { bucket: { type: 'string', default: 'raw' } } });
    d.s3Copy('archive', {
      sourceBucket: '{{ params.bucket }}',
      sourceKey: 'in/{{ ds }}.csv',
      bucket: 'archive',
      key: '{{ ds_nodash }}/{{ run_id }}.csv',
    });
    const state = compileDag(d).definition!.States.archive!;
    if (state.Type !== 'Task') throw new Error(`archive is a ${state.Type} state`);
    expect(state.Resource).toBe('arn:aws:states:::aws-sdk:s3:copyObject');
    expect(state.Parameters).toEqual({
      Bucket: 'archive',
      'Key.$': "States.Format('{}/{}.csv', $.ctx.dsNodash, $.ctx.runId)",
      'CopySource.$': "States.Format('{}/in/{}.csv', $.ctx.params.bucket, $.ctx.ds)",
    });
  });

  it('keeps the run state of a task named like an Object.prototype member (a -> toString -> c)', () => {
    const d = dag({ id: 'prototype_names' });
    d.task('a', async () => 1)
      .then(d.task('toString', async () => 2))
      .then(d.task('c', async () => 3));

    const { definition, problems } = compileDag(d);

    expect(problems).toEqual([]);
    expect(aslValidator(definition as never).isValid).toBe(true);
    // Following Next from StartAt runs the three tasks in order, then the run's result.
    const path: string[] = [];
    for (let name: string | undefined = definition!.StartAt; name !== undefined && !path.includes(name); ) {
      path.push(name);
      const state: AslState = definition!.States[name]!;
      name = 'Next' in state ? state.Next : state.Type === 'Choice' ? state.Default : undefined;
    }
    expect(path).toEqual(['a', 'toString', 'c', 'run:result', 'run:succeeded']);
    expect(Object.hasOwn(definition!.States, 'toString')).toBe(true);
  });

  it('sets the run timeout from dagrunTimeout, splits a DAG too big for one machine, and refuses what no child holds', () => {
    const small = dag({ id: 'small', dagrunTimeout: '2 hours' });
    small.empty('only');
    expect(compileDag(small).definition!.TimeoutSeconds).toBe(7200);

    // Too big for one machine (over 1 MiB and 25,000 events): a parent and children (machine-split.ts), the run
    // timeout on the parent.
    const big = dag({ id: 'big', dagrunTimeout: '2 hours' });
    let previous = big.task('t0', async () => 0);
    for (let i = 1; i < 5000; i++) previous = big.task(`t${i}`, { upstream: previous }, async () => i);
    const split = compileDag(big);
    expect(split.problems).toEqual([]);
    expect(split.definition!.TimeoutSeconds).toBe(7200);
    expect(split.children!.length).toBeGreaterThanOrEqual(2);
    expect(split.manifest!.machines!.why).toMatch(
      /^one definition would be \d+ bytes .*; a run would write about \d+ history events/,
    );

    // One task alone over 1 MiB (its doc is the Comment of its state): no cut makes a child small enough.
    const huge = dag({ id: 'huge' });
    huge.task('a', { doc: 'x'.repeat(1_100_000) }, async () => 1).then(huge.task('b', async () => 2));
    const refused = compileDag(huge);
    // Never deployed, so never written out; its figures stay in the manifest.
    expect(refused.asl).toBeUndefined();
    expect(refused.problems.map((problem) => [problem.dagId, problem.field, problem.message])).toEqual([
      [
        'huge',
        'tasks',
        expect.stringMatching(
          /^child state machine part-01 \(of 2\): the state machine definition is \d+ bytes, over Step Functions' 1048576; split the DAG into several DAGs, or declare repeated tasks once with expand\(\)/,
        ),
      ],
    ]);
  });
});
