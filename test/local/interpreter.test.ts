import { describe, expect, it, vi } from 'vitest';
import type { StateMachineDefinition } from '../../lib/compiler/asl-types.ts';
import { Clock } from '../../lib/local/clock.ts';
import { type ExecutionEvent, runExecution, type TaskCall, type TaskResources } from '../../lib/local/interpreter.ts';
import { StatesError } from '../../lib/local/states-error.ts';
import { TaskTokens } from '../../lib/local/task-tokens.ts';

/** Task resources answered by a plain function (no AWS behaviour involved: these test the interpreter itself). */
const resources = (answer: (call: TaskCall) => unknown | Promise<unknown>): TaskResources => ({
  invoke: async (call) => answer(call),
});
const fast = new Clock({ speed: 1000 });

describe('Interpreter: input and output processing', () => {
  it('applies InputPath, Parameters with intrinsics and context, ResultSelector, ResultPath and OutputPath', async () => {
    const definition: StateMachineDefinition = {
      StartAt: 'call',
      States: {
        call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          InputPath: '$.payload',
          Parameters: { 'greeting.$': "States.Format('hello {}', $.name)", 'state.$': '$$.State.Name', fixed: 1 },
          ResultSelector: { 'echo.$': '$.greeting', 'state.$': '$.state' },
          ResultPath: '$.result.inner',
          OutputPath: '$.result',
          End: true,
        },
      },
    };
    const result = await runExecution({
      definition,
      input: { payload: { name: 'ada' } },
      resources: resources((call) => call.parameters),
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { inner: { echo: 'hello ada', state: 'call' } } });
  });

  it('fails with States.Runtime when a path is missing, which no Catch can handle', async () => {
    const definition: StateMachineDefinition = {
      StartAt: 'pass',
      States: {
        pass: {
          Type: 'Pass',
          Parameters: { 'x.$': '$.missing' },
          End: true,
        },
      },
    };
    const result = await runExecution({ definition, input: {}, resources: resources(() => null) });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
  });

  it('fails with States.DataLimitExceeded, which no Catch can handle, when a result takes the payload over 256 KiB', async () => {
    const definition: StateMachineDefinition = {
      StartAt: 'call',
      States: {
        call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          ResultPath: '$.result',
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'caught' }],
          End: true,
        },
        caught: { Type: 'Pass', End: true },
      },
    };
    const run = (result: string) => runExecution({ definition, input: {}, resources: resources(() => result) });
    expect((await run('x'.repeat(200 * 1024))).status).toBe('SUCCEEDED');
    expect(await run('x'.repeat(257 * 1024))).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    // Bytes of UTF-8, not characters: 90,000 euro signs are 270,000 bytes.
    expect(await run('€'.repeat(90_000))).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  it('chooses with And / Or / Not / IsPresent and falls back to Default', async () => {
    const definition: StateMachineDefinition = {
      StartAt: 'choose',
      States: {
        choose: {
          Type: 'Choice',
          Choices: [
            {
              And: [{ Variable: '$.a', IsPresent: true }, { Not: { Variable: '$.a', StringEquals: 'x' } }],
              Next: 'notX',
            },
            {
              Or: [
                { Variable: '$.n', NumericGreaterThan: 5 },
                { Variable: '$.flag', BooleanEquals: true },
              ],
              Next: 'big',
            },
          ],
          Default: 'other',
        },
        notX: { Type: 'Pass', Result: 'notX', End: true },
        big: { Type: 'Pass', Result: 'big', End: true },
        other: { Type: 'Pass', Result: 'other', End: true },
      },
    };
    const run = async (input: unknown) =>
      (await runExecution({ definition, input, resources: resources(() => null) })).output;
    expect(await run({ a: 'y' })).toBe('notX');
    expect(await run({ a: 'x', n: 9, flag: false })).toBe('big');
    expect(await run({ n: 1, flag: false })).toBe('other');
  });
});

describe('Interpreter: retries, catch and timeouts', () => {
  it('retries per the first matching retrier, with RetryCount in the context, then succeeds', async () => {
    const seen: number[] = [];
    const definition: StateMachineDefinition = {
      StartAt: 'flaky',
      States: {
        flaky: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { 'n.$': '$$.State.RetryCount' },
          Retry: [
            { ErrorEquals: ['NonRetryableError'], MaxAttempts: 0 },
            { ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 },
          ],
          End: true,
        },
      },
    };
    const result = await runExecution({
      definition,
      input: {},
      clock: fast,
      resources: resources((call) => {
        const n = (call.parameters as { n: number }).n;
        seen.push(n);
        if (n < 2) throw new StatesError('Boom', `try ${n + 1}`);
        return 'ok';
      }),
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: 'ok' });
    expect(seen).toEqual([0, 1, 2]);
  });

  it('never retries a NonRetryableError and hands it to Catch with ResultPath', async () => {
    let calls = 0;
    const definition: StateMachineDefinition = {
      StartAt: 'task',
      States: {
        task: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Retry: [
            { ErrorEquals: ['NonRetryableError'], MaxAttempts: 0 },
            { ErrorEquals: ['States.ALL'], MaxAttempts: 5, IntervalSeconds: 1 },
          ],
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'handled' }],
          End: true,
        },
        handled: { Type: 'Pass', End: true },
      },
    };
    const result = await runExecution({
      definition,
      input: { keep: true },
      clock: fast,
      resources: resources(() => {
        calls++;
        throw new StatesError('NonRetryableError', 'bad input');
      }),
    });
    expect(calls).toBe(1);
    expect(result.output).toEqual({ keep: true, error: { Error: 'NonRetryableError', Cause: 'bad input' } });
  });

  it('reports a task timeout and a lost heartbeat as States.Timeout, as Step Functions does', async () => {
    const definition = (field: 'TimeoutSeconds' | 'HeartbeatSeconds', catchAs: string): StateMachineDefinition => ({
      StartAt: 'wait',
      States: {
        wait: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
          Parameters: { 'token.$': '$$.Task.Token' },
          [field]: 2,
          Catch: [{ ErrorEquals: [catchAs], Next: 'caught' }],
          End: true,
        },
        caught: { Type: 'Pass', End: true },
      },
    });
    const run = (field: 'TimeoutSeconds' | 'HeartbeatSeconds', catchAs: string) =>
      runExecution({
        definition: definition(field, catchAs),
        input: {},
        clock: fast,
        resources: resources(() => null),
      });

    expect(((await run('TimeoutSeconds', 'States.ALL')).output as { Error: string }).Error).toBe('States.Timeout');
    expect(((await run('HeartbeatSeconds', 'States.ALL')).output as { Error: string }).Error).toBe('States.Timeout');
    // Only a lost heartbeat matches States.HeartbeatTimeout in a Catch or Retry; a plain timeout does not.
    expect(((await run('HeartbeatSeconds', 'States.HeartbeatTimeout')).output as { Error: string }).Error).toBe(
      'States.Timeout',
    );
    const uncaught = await run('TimeoutSeconds', 'States.HeartbeatTimeout');
    expect([uncaught.status, uncaught.error]).toEqual(['FAILED', 'States.Timeout']);
  });

  it('keeps a heartbeating callback task alive, and refuses a second answer to the same token', async () => {
    const tokens = new TaskTokens();
    const definition: StateMachineDefinition = {
      StartAt: 'work',
      States: {
        work: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
          Parameters: { 'token.$': '$$.Task.Token' },
          HeartbeatSeconds: 1,
          End: true,
        },
      },
    };
    let token = '';
    // Fake timers: engine time moves only as the test advances it, so a heartbeat is never late on a busy machine.
    vi.useFakeTimers();
    let result: Awaited<ReturnType<typeof runExecution>>;
    try {
      const clock = new Clock();
      const running = runExecution({
        definition,
        input: {},
        clock,
        tokens,
        resources: resources(async (call) => {
          token = call.token!;
          // Heartbeat every half second of engine time, for three seconds, then answer.
          for (let i = 0; i < 6; i++) {
            await clock.sleep(500);
            tokens.sendTaskHeartbeat(token);
          }
          setTimeout(() => tokens.sendTaskSuccess(token, { done: true }), 0);
        }),
      });
      await vi.advanceTimersByTimeAsync(4000);
      result = await running;
    } finally {
      vi.useRealTimers();
    }
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { done: true } });
    expect(() => tokens.sendTaskSuccess(token, {})).toThrow(/is not waiting/);
  });

  it('times the whole execution out with the state machine TimeoutSeconds', async () => {
    const definition: StateMachineDefinition = {
      StartAt: 'sleep',
      TimeoutSeconds: 1,
      States: { sleep: { Type: 'Wait', Seconds: 60, End: true } },
    };
    const result = await runExecution({ definition, input: {}, clock: fast, resources: resources(() => null) });
    expect(result).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
  });
});

describe('Interpreter: Parallel and Map', () => {
  it('runs branches at once and returns their outputs in order; merges with States.JsonMerge in ResultSelector', async () => {
    const events: ExecutionEvent[] = [];
    const definition: StateMachineDefinition = {
      StartAt: 'both',
      States: {
        both: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'a',
              States: {
                a: { Type: 'Wait', Seconds: 2, Next: 'a2' },
                a2: { Type: 'Pass', Result: { a: 1 }, ResultPath: '$.tasks', End: true },
              },
            },
            { StartAt: 'b', States: { b: { Type: 'Pass', Result: { b: 2 }, ResultPath: '$.tasks', End: true } } },
          ],
          ResultSelector: { 'tasks.$': 'States.JsonMerge($[0].tasks, $[1].tasks, false)' },
          ResultPath: '$',
          End: true,
        },
      },
    };
    const result = await runExecution({
      definition,
      input: {},
      clock: new Clock({ speed: 20 }),
      resources: resources(() => null),
      onEvent: (e) => events.push(e),
    });
    expect(result.output).toEqual({ tasks: { a: 1, b: 2 } });
    const exited = events.filter((e) => e.type === 'StateExited').map((e) => e.stateName);
    expect(exited.indexOf('b')).toBeLessThan(exited.indexOf('a'));
  });

  it('cancels the other branches when one fails and fails with that error', async () => {
    const definition: StateMachineDefinition = {
      StartAt: 'both',
      States: {
        both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'slow', States: { slow: { Type: 'Wait', Seconds: 3600, End: true } } },
            { StartAt: 'boom', States: { boom: { Type: 'Fail', Error: 'Broken', Cause: 'on purpose' } } },
          ],
          Catch: [{ ErrorEquals: ['Broken'], ResultPath: '$.err', Next: 'after' }],
          End: true,
        },
        after: { Type: 'Pass', End: true },
      },
    };
    const started = Date.now();
    const result = await runExecution({ definition, input: {}, resources: resources(() => null) });
    // Far less than the hour the other branch would wait: it was cancelled, not waited for.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(result.output).toEqual({ err: { Error: 'Broken', Cause: 'on purpose' } });
  });

  it('maps items with ItemSelector and the Map context, at most MaxConcurrency at once, in order', async () => {
    let running = 0;
    let peak = 0;
    const definition: StateMachineDefinition = {
      StartAt: 'each',
      States: {
        each: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 2,
          ItemSelector: { 'value.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index', 'base.$': '$.base' },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            StartAt: 'work',
            States: { work: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true } },
          },
          End: true,
        },
      },
    };
    const result = await runExecution({
      definition,
      input: { items: [1, 2, 3, 4, 5], base: 10 },
      resources: resources(async (call) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 10));
        running--;
        const { value, index, base } = call.parameters as { value: number; index: number; base: number };
        return base + value * 100 + index;
      }),
    });
    expect(result.output).toEqual([110, 211, 312, 413, 514]);
    expect(peak).toBe(2);
  });

  it('tolerates failed items up to ToleratedFailureCount, then fails with States.ExceedToleratedFailureThreshold', async () => {
    const definition = (count: number): StateMachineDefinition => ({
      StartAt: 'each',
      States: {
        each: {
          Type: 'Map',
          ToleratedFailureCount: count,
          ItemProcessor: {
            StartAt: 'check',
            States: {
              check: {
                Type: 'Choice',
                Choices: [{ Variable: '$', NumericGreaterThan: 2, Next: 'bad' }],
                Default: 'ok',
              },
              ok: { Type: 'Pass', End: true },
              bad: { Type: 'Fail', Error: 'TooBig' },
            },
          },
          End: true,
        },
      },
    });
    const tolerant = await runExecution({
      definition: definition(2),
      input: [1, 2, 3, 4],
      resources: resources(() => null),
    });
    expect(tolerant).toMatchObject({ status: 'SUCCEEDED', output: [1, 2, null, null] });
    const strict = await runExecution({
      definition: definition(1),
      input: [1, 2, 3, 4],
      resources: resources(() => null),
    });
    expect(strict).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
  });
});
