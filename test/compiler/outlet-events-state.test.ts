import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { asset, dag } from '../../lib/sdk/index.ts';

/**
 * A task with outlets records its asset events in the ASL: on its success path only, one `events:putEvents`
 * state onto the stack's asset bus, each entry's Detail the trigger's `asset` event.
 */
type State = {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Parameters?: { Entries: Array<Record<string, unknown>> };
  Branches?: Array<{ States: Record<string, State> }>;
};
const statesOf = (asl: string): Record<string, State> => {
  const all: Record<string, State> = {};
  const walk = (states: Record<string, State>) => {
    for (const [name, state] of Object.entries(states)) {
      all[name] = state;
      for (const branch of state.Branches ?? []) walk(branch.States);
    }
  };
  walk(JSON.parse(asl).States);
  return all;
};
const putEvents = (states: Record<string, State>) =>
  Object.entries(states).filter(([, state]) => state.Resource === 'arn:aws:states:::events:putEvents');

describe('Compiler: outlet events', () => {
  it("puts one event per outlet after the task's success, and only there", () => {
    const d = dag({ id: 'producer' });
    const load = d.task('load', { outlets: [asset('s3://lake/orders'), asset('s3://lake/customers')] }, async () => 1);
    d.task('after', { upstream: [load] }, async () => 2);
    d.task('plain', async () => 3);
    const compiled = compileDag(d);
    expect(compiled.problems).toEqual([]);
    const states = statesOf(compiled.asl!);
    const outlets = putEvents(states);
    expect(outlets.map(([name]) => name)).toEqual(['load:outlets']);
    const [, state] = outlets[0]!;
    // The worker task's success leads to it; its failure and self-skip paths do not.
    expect(states.load?.Next).toBe('load:outlets');
    expect(state.Next).toBe('after');
    expect(state.Parameters!.Entries).toEqual(
      // Outlets are sorted by URI in the IR.
      ['s3://lake/customers', 's3://lake/orders'].map((uri, index) => ({
        EventBusName: '${AssetEventBusName}',
        Source: 'airstep.assets',
        DetailType: 'Airstep asset updated',
        Detail: {
          kind: 'asset',
          uri,
          'eventId.$': `States.Format('{}/load/try{}/${index}', $.ctx.runId, $.tasks.load.try)`,
          'timestamp.$': '$$.State.EnteredTime',
          // What the task's code attached, answered by its worker (outlet-extra.ts): one per outlet, in order.
          'extra.$': `$.tasks.load.outletExtra[${index}]`,
          sourceDagId: 'producer',
          sourceTaskId: 'load',
          'sourceRunId.$': '$.ctx.runId',
        },
      })),
    );
    const filled = fillPlaceholders(compiled.asl!, {
      dagVersion: 'v1',
      controlQueueUrl: 'q',
      taskQueueUrls: { default: 'q' },
      assetEventBusName: 'stack-assets',
    });
    expect(filled).toContain('"EventBusName": "stack-assets"');
  });

  it('gives a step run without a worker an event id per execution, and chains states past 10 outlets', () => {
    const d = dag({ id: 'many' });
    const outlets = Array.from({ length: 12 }, (_, i) => asset(`s3://lake/t${String(i).padStart(2, '0')}`));
    d.empty('mark', { outlets });
    const compiled = compileDag(d);
    expect(compiled.problems).toEqual([]);
    const states = statesOf(compiled.asl!);
    const outletStates = putEvents(states);
    expect(outletStates.map(([name, state]) => [name, state.Parameters!.Entries.length])).toEqual([
      ['mark:outlets', 10],
      ['mark:outlets2', 2],
    ]);
    expect(states['mark:outlets']?.Next).toBe('mark:outlets2');
    expect((outletStates[0]![1].Parameters!.Entries[0]!.Detail as Record<string, string>)['eventId.$']).toBe(
      "States.Format('{}/mark/0', $$.Execution.Id)",
    );
  });

  it('puts a Choice before the outlets state of an empty task: a clear that kept it passes it by', () => {
    const d = dag({ id: 'kept' });
    const marks = d.empty('marks', { outlets: [asset('s3://lake/x')] });
    d.empty('after').after(marks);
    d.empty('last_marks', { outlets: [asset('s3://lake/y')] }).after(marks);
    const compiled = compileDag(d);
    expect(compiled.problems).toEqual([]);
    const states = statesOf(compiled.asl!) as Record<string, State & Record<string, unknown>>;
    expect(states.marks?.Next).toBe('marks:outlets_recorded?');
    expect(states['marks:outlets_recorded?']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.ctx.clear.outletsRecorded.marks', IsPresent: true, Next: states['marks:outlets']!.Next },
      ],
      Default: 'marks:outlets',
    });
    // A leaf: its outlets lead to the write of its record (task-instance-write.ts), and so does the kept case.
    expect(states['last_marks:outlets']?.Next).toBe('last_marks:recorded');
    expect(states['last_marks:outlets_recorded?']).toMatchObject({
      Choices: [{ Variable: '$.ctx.clear.outletsRecorded.last_marks', Next: 'last_marks:recorded' }],
    });
    // A code task's event id holds its try number: no Choice for it.
    const code = dag({ id: 'code' });
    code.task('load', { outlets: [asset('s3://lake/x')] }, async () => 1);
    expect(Object.keys(statesOf(compileDag(code).asl!)).filter((name) => name.endsWith('?'))).toEqual([]);
  });

  it("keeps the worker's extras in the record of a code task with outlets only", () => {
    const d = dag({ id: 'extras' });
    const out = asset('s3://lake/x');
    d.task('load', { outlets: [out] }, async () => 1);
    d.task('plain', async () => 2);
    const compiled = compileDag(d);
    expect(compiled.problems).toEqual([]);
    const states = statesOf(compiled.asl!) as Record<string, State & { ResultSelector?: Record<string, string> }>;
    expect(states.load?.ResultSelector?.['outletExtra.$']).toBe('$.outletExtra');
    expect(states.plain?.ResultSelector).not.toHaveProperty('outletExtra.$');
    // The workers answer the same rule: the manifest gives them each task's outlets, in the entries' order.
    expect(compiled.manifest!.tasks.find((task) => task.id === 'load')?.outlets?.map((o) => o.uri)).toEqual([out.uri]);
  });

  it('refuses outlets on a mapped task (Airflow records one event per mapped instance) and leaves default outlets off it', () => {
    const out = asset('s3://lake/x');
    const refused = dag({ id: 'mapped' });
    const list = refused.task('list', async () => [1]);
    refused.expand('each', { over: list, outlets: [out] }, async (_ctx, item: number) => item);
    expect(compileDag(refused).problems.map((problem) => [problem.taskId, problem.field])).toEqual([
      ['each', 'outlets'],
    ]);

    const defaults = dag({ id: 'mapped_defaults', defaultArgs: { outlets: [out] } });
    const items = defaults.task('list', async () => [1]);
    defaults.expand('each', { over: items }, async (_ctx, item: number) => item);
    const compiled = compileDag(defaults);
    expect(compiled.problems).toEqual([]);
    const withOutlets = compiled.manifest!.tasks.filter((task) => task.outlets !== undefined).map((task) => task.id);
    expect(withOutlets).toEqual(['list']);
    expect(putEvents(statesOf(compiled.asl!)).map(([name]) => name)).toEqual(['list:outlets']);
  });
});
