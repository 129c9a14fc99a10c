import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { earlyStartingTasks } from '../../lib/compiler/early-trigger-rules.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { formatProblem } from '../../lib/sdk/errors.ts';

const noop = async () => null;

describe('Compiler: latestOnly', () => {
  it('compiles to two Pass states reading the time as a number, a Choice over the run window and a Pass writing the record', () => {
    const d = dag({ id: 'latest', schedule: '@daily', startDate: '2026-11-01' });
    d.latestOnly('latest_only').then(d.task('work', noop));

    const { definition, ir, manifest, problems } = compileDag(d);

    expect(problems).toEqual([]);
    expect(aslValidator(structuredClone(definition) as never).isValid).toBe(true);
    expect(ir.tasks.find((task) => task.id === 'latest_only')).toMatchObject({ kind: 'latest_only' });
    expect(manifest!.tasks.find((task) => task.id === 'latest_only')).toMatchObject({ kind: 'latest_only' });
    const states = definition!.States;
    expect(definition!.StartAt).toBe('latest_only');
    expect(states.latest_only).toEqual({
      Type: 'Pass',
      Parameters: { 'parts.$': "States.StringSplit($$.State.EnteredTime, '-T:.Z+')" },
      ResultPath: '$.tasks.latest_only',
      Next: 'latest_only:clock',
    });
    const parts = [0, 1, 2, 3, 4, 5].map((i) => `$.tasks.latest_only.parts[${i}]`).join(', ');
    expect(states['latest_only:clock']).toEqual({
      Type: 'Pass',
      Parameters: { 'now.$': `States.StringToJson(States.Format('1{}{}{}{}{}{}', ${parts}))` },
      ResultPath: '$.tasks.latest_only',
      Next: 'latest_only:check',
    });
    expect(states['latest_only:check']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.ctx.latestWindow', IsPresent: false, Next: 'latest_only:latest' },
        {
          Or: [
            { Variable: '$.tasks.latest_only.now', NumericLessThanEqualsPath: '$.ctx.latestWindow.afterKey' },
            { Variable: '$.tasks.latest_only.now', NumericGreaterThanPath: '$.ctx.latestWindow.untilKey' },
          ],
          Next: 'latest_only:not_latest',
        },
      ],
      Default: 'latest_only:latest',
    });
    for (const [name, latest] of [
      ['latest_only:latest', true],
      ['latest_only:not_latest', false],
    ] as const) {
      expect(states[name]).toEqual({
        Type: 'Pass',
        Result: { state: 'success', output: null, latest },
        ResultPath: '$.tasks.latest_only',
        Next: 'latest_only:recorded',
      });
    }
    // No worker runs it: its record is written as it ends (task-instance-write.ts), then the downstream decides.
    expect(states['latest_only:recorded']).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:updateItem',
      Next: 'work:decide',
    });
    // Its direct downstream task decides "not the latest run" first, before its trigger rule.
    expect(states['work:decide']).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.tasks.latest_only.latest', BooleanEquals: false, Next: 'work:skipped' }, {}, {}],
      Default: 'work',
    });
    // It never fails: no caught-error state.
    expect(states['latest_only:failed']).toBeUndefined();
    // Five transitions on the way through (billed per transition): four, then the record's write.
    expect(manifest!.stats.transitions.perTask.latest_only).toEqual({ transitions: 5 });
  });

  it('skips a direct downstream task with a trigger rule that would run it anyway (all_done)', () => {
    const d = dag({ id: 'latest_all_done', schedule: '@daily', startDate: '2026-11-01' });
    const gate = d.latestOnly('gate');
    d.task('cleanup', { upstream: gate, triggerRule: 'all_done' }, noop);
    const states = compileDag(d).definition!.States;
    expect(states['cleanup:decide']).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.tasks.gate.latest', BooleanEquals: false, Next: 'cleanup:skipped' }],
      Default: 'cleanup',
    });
  });

  it('does not start a one_success join below it early (its choice may skip the join after it started)', () => {
    const d = dag({ id: 'latest_early', schedule: '@daily', startDate: '2026-11-01' });
    const gate = d.latestOnly('gate');
    const other = d.task('other', noop);
    d.task('join', { upstream: [gate, other], triggerRule: 'one_success' }, noop);
    expect(earlyStartingTasks(compileDag(d).ir).has('join')).toBe(false);
  });

  it('compiles inside a Parallel and below other tasks, each branch deciding on its own record', () => {
    const d = dag({ id: 'latest_parallel', schedule: '@hourly', startDate: '2026-11-01' });
    const extract = d.task('extract', noop);
    const gate = d.latestOnly('gate', { upstream: extract });
    d.task('a', { upstream: gate }, noop);
    d.task('b', { upstream: gate }, noop);
    d.task('c', { upstream: extract }, noop);
    const { definition, problems } = compileDag(d);
    expect(problems).toEqual([]);
    expect(aslValidator(structuredClone(definition) as never).isValid).toBe(true);
    const text = JSON.stringify(definition);
    expect(text.match(/"Variable":"\$\.tasks\.gate\.latest","BooleanEquals":false/g)).toHaveLength(2);
  });
});

describe('Validate: latestOnly options', () => {
  it('refuses options that would do nothing on it (it runs no code, never fails), naming task and field', () => {
    const d = dag({ id: 'latest_opts', schedule: '@daily', startDate: '2026-11-01', defaultArgs: { retries: 2 } });
    d.latestOnly('gate', { retries: 3, pool: 'db' } as never);
    d.latestOnly('fine', { triggerRule: 'all_done', doc: 'ok' });

    const messages = compileDag(d, { file: 'dags/latest_opts.ts' }).problems.map(formatProblem);

    // The DAG's defaultArgs (retries for its code tasks) are not the author's doing here: no problem for them.
    expect(messages.filter((m) => m.includes('task gate'))).toEqual([
      'dags/latest_opts.ts › dag latest_opts › task gate › retries: does nothing for a latestOnly task: it cannot fail, so nothing is retried (it does no work)',
      'dags/latest_opts.ts › dag latest_opts › task gate › pool: does nothing for a latestOnly task: it runs without an Airstep worker, so nothing holds pool slots',
    ]);
    expect(messages.filter((m) => m.includes('task fine'))).toEqual([]);
  });
});

describe('Validate: dependsOnPast and waitForDownstream', () => {
  it('refuses true with file, DAG, task (or defaultArgs) and field, and says why; accepts false', () => {
    const d = dag({ id: 'past', schedule: '@daily', startDate: '2026-11-01', defaultArgs: { dependsOnPast: true } });
    d.task('load', noop);
    d.task('report', { dependsOnPast: false, waitForDownstream: true }, noop);

    const messages = compileDag(d, { file: 'dags/past.ts' }).problems.map(formatProblem);

    const why =
      "is not supported yet: in the cloud a run writes its task records only when it ends, so a task cannot wait for the previous run's task instance (see the README, 'Latest only and depending on the past')";
    expect(messages).toEqual([
      `dags/past.ts › dag past › defaultArgs.dependsOnPast: ${why}`,
      `dags/past.ts › dag past › task report › waitForDownstream: ${why}`,
    ]);
  });
});
