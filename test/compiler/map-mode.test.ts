import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import type { MapState, PassState, TaskState } from '../../lib/compiler/asl-types.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { mapModeReport } from '../../lib/compiler/map-mode.ts';
import { type Dag, dag } from '../../lib/index.ts';
import { formatProblem } from '../../lib/sdk/errors.ts';

const FILE = 'dags/mapped.ts';
const range = (n: number) => Array.from({ length: n }, (_, index) => index);
const compiled = (d: Dag) => compileDag(d, { file: FILE });
const problems = (d: Dag) => compiled(d).problems.map(formatProblem);

/** A list task and a mapping over it, with the mapping's options. */
function overTask(options: Record<string, unknown>): Dag {
  const d = dag({ id: 'mapped' });
  const list = d.task('list', async () => range(3));
  const each = d.expand('each', { over: list, ...options } as never, async (_ctx, item: number) => item * 2);
  d.task('total', { inputs: { each } }, async (_ctx, { each }) => (each as number[]).length);
  return d;
}

describe('Function: chooseMapModes (inline or distributed)', () => {
  it('compiles a mapping whose expected items overflow a run to a Distributed Map reading its list from S3', () => {
    // Act
    const { definition, manifest, problems: found } = compiled(overTask({ expectedItems: 100_000 }));

    // Assess
    expect(found).toEqual([]);
    expect(aslValidator(structuredClone(definition) as never).isValid).toBe(true);
    const map = definition!.States.each as MapState;
    expect(map.Type).toBe('Map');
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.ItemsPath).toBeUndefined();
    expect(map.ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { 'Bucket.$': '$.tasks.list.items.Bucket', 'Key.$': '$.tasks.list.items.Key' },
    });
    expect(map.ResultWriter).toEqual({
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { Bucket: '${XComBucket}', Prefix: 'xcom/map-results/mapped/each' },
    });
    // The record's output is the manifest's address, which workers resolve to the list.
    expect(map.ResultSelector).toEqual({
      state: 'success',
      output: {
        'mapResults.$': "States.Format('s3://{}/{}', $.ResultWriterDetails.Bucket, $.ResultWriterDetails.Key)",
      },
    });
    expect(map.ItemSelector).toMatchObject({ 'executionArn.$': '$$.Execution.Id', 'index.$': '$$.Map.Item.Index' });
    // The list's task records where its worker wrote the list; its worker writes it whole.
    expect((definition!.States.list as TaskState).ResultSelector).toMatchObject({ 'items.$': '$.items' });
    expect(manifest!.tasks.find((task) => task.id === 'list')).toMatchObject({ feedsDistributedMap: true });
    expect(manifest!.placeholders).toContain('XComBucket');
    // The run's history holds the Map's events, not 100,000 items'.
    const stats = manifest!.stats.transitions;
    expect(stats.mapped?.each).toMatchObject({ items: 100_000, historyEvents: 800_000, distributed: 'history' });
    expect(stats.historyEvents).toBeLessThan(60);
  });

  it("runs an item in its child execution with the run's execution ARN, and fails the child when the item fails", () => {
    const { definition } = compiled(overTask({ distributed: true }));
    const map = definition!.States.each as MapState;
    const item = map.ItemProcessor.States['each:item'] as TaskState;
    const body = (item.Parameters as { MessageBody: Record<string, unknown> }).MessageBody;
    expect(body['executionArn.$']).toBe('$.executionArn');
    expect(body).toMatchObject({ 'mapIndex.$': '$.index', 'item.$': '$.item' });
    // Only SkipError is caught: any other failure fails the child, and the Map counts it against its tolerance.
    expect(item.Catch).toEqual([{ ErrorEquals: ['SkipError'], ResultPath: '$.error', Next: 'each:item_skipped' }]);
    expect(item.ResultSelector).toEqual({
      'index.$': '$$.Execution.Input.index',
      state: 'success',
      'try.$': '$.try',
      'output.$': '$.output',
    });
    expect(map.ItemProcessor.States['each:item_skipped']).toEqual({
      Type: 'Pass',
      Parameters: { 'index.$': '$.index', state: 'skipped', output: null, 'skip.$': '$.error' },
      End: true,
    });
    // A Map error (over the tolerance, or a list that cannot be read) is caught into the task's failed record.
    expect(map.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.tasks.each', Next: 'each:failed' }]);
    expect(map.Next).toBe('total');
  });

  it('honours distributed: true for a small mapping, and says why in compile', () => {
    const { manifest } = compiled(overTask({ distributed: true, expectedItems: 10 }));
    const m = manifest!.stats.transitions.mapped!.each!;
    expect(m.distributed).toBe('requested');
    expect(mapModeReport(m, manifest!.stats.transitions.historyEvents)).toEqual({
      mode: 'distributed',
      reason: 'distributed: true (10 items × 8 events = 80 history events inline)',
    });
  });

  it('keeps a mapping that fits inline, and says so with its figures', () => {
    const { definition, manifest } = compiled(overTask({ expectedItems: 1000 }));
    expect((definition!.States.each as MapState).ItemProcessor.ProcessorConfig).toEqual({ Mode: 'INLINE' });
    const { mapped, historyEvents } = manifest!.stats.transitions;
    expect(mapModeReport(mapped!.each!, historyEvents)).toEqual({
      mode: 'inline',
      reason: `1000 items × 8 events = 8000 history events inline; the run's ${historyEvents} fit the 25000 it holds`,
    });
  });

  it('says why it distributed a mapping', () => {
    const { manifest } = compiled(overTask({ expectedItems: 5000 }));
    const { mapped, historyEvents } = manifest!.stats.transitions;
    expect(mapModeReport(mapped!.each!, historyEvents)).toEqual({
      mode: 'distributed',
      reason:
        '5000 items × 8 events = 40000 history events inline: a run holds 25000, so each item runs as a child ' +
        'execution with its own history',
    });
  });

  it('distributes a literal list from the task record, with tolerated failures', () => {
    const d = dag({ id: 'mapped' });
    d.expand('each', { over: range(4000), toleratedFailurePercentage: 5 }, async (_ctx, item: number) => item);
    const { definition, problems: found } = compiled(d);
    expect(found).toEqual([]);
    expect(aslValidator(structuredClone(definition) as never).isValid).toBe(true);
    expect(definition!.StartAt).toBe('each:items');
    expect((definition!.States['each:items'] as PassState).Next).toBe('each');
    const map = definition!.States.each as MapState;
    expect(map.ItemsPath).toBe('$.tasks.each.items');
    expect(map.ItemReader).toBeUndefined();
    expect(map.ToleratedFailurePercentage).toBe(5);
    expect(map.ToleratedFailureCount).toBeUndefined();
    // Nobody reads its result: no ResultSelector output, but results still go to S3, never into the payload.
    expect(map.ResultSelector).toEqual({ state: 'success' });
    expect(map.ResultWriter).toBeDefined();
  });

  it('gives MaxConcurrency from maxMapConcurrency and ToleratedFailureCount', () => {
    const { definition } = compiled(overTask({ distributed: true, maxMapConcurrency: 50, toleratedFailureCount: 3 }));
    expect(definition!.States.each).toMatchObject({ MaxConcurrency: 50, ToleratedFailureCount: 3 });
  });
});

describe('Validate: distributed mapping options', () => {
  it('refuses tolerated failures on an inline mapping, with the reason', () => {
    const reason =
      'only a distributed mapping tolerates failed items, and this one runs inline (its items fit a run history): ' +
      'an inline mapping runs every item and fails the task when one fails; set distributed: true to tolerate failures';
    expect(problems(overTask({ toleratedFailureCount: 2 }))).toEqual([
      `${FILE} › dag mapped › task each › toleratedFailureCount: ${reason}`,
    ]);
    expect(problems(overTask({ toleratedFailurePercentage: 10 }))).toEqual([
      `${FILE} › dag mapped › task each › toleratedFailurePercentage: ${reason}`,
    ]);
  });

  it.each([
    [{ distributed: 'yes' }, 'distributed: must be true or false, got "yes"'],
    [{ distributed: true, toleratedFailureCount: -1 }, 'toleratedFailureCount: must be a whole number >= 0, got -1'],
    [{ distributed: true, toleratedFailureCount: 1.5 }, 'toleratedFailureCount: must be a whole number >= 0, got 1.5'],
    [
      { distributed: true, toleratedFailurePercentage: 101 },
      'toleratedFailurePercentage: must be a whole number from 0 to 100, got 101',
    ],
    [
      { distributed: true, toleratedFailureCount: 1, toleratedFailurePercentage: 5 },
      'toleratedFailurePercentage: give toleratedFailureCount or toleratedFailurePercentage, not both',
    ],
  ])('refuses %j', (options, message) => {
    expect(problems(overTask(options))).toEqual([`${FILE} › dag mapped › task each › ${message}`]);
  });

  it('refuses distributed: true on a cross product', () => {
    const d = dag({ id: 'mapped' });
    d.expand('pairs', { over: { x: [1, 2], y: [3] }, distributed: true } as never, async () => 1);
    expect(problems(d)).toEqual([
      `${FILE} › dag mapped › task pairs › distributed: a cross product (named lists) cannot run as a Distributed ` +
        "Map: its combinations are built by inline Maps in the run's own history; map over one list instead (a task " +
        'can return the combinations)',
    ]);
  });

  it('refuses distributed: true on a list a mapped task or a service task gives', () => {
    const d = dag({ id: 'mapped' });
    const numbers = d.expand('numbers', { over: [1, 2] }, async (_ctx, item: number) => [item]);
    d.expand('again', { over: numbers as never, distributed: true }, async (_ctx, item: number) => item);
    const listed = d.invokeLambda('listed', { functionName: 'list-things' });
    d.expand('each', { over: listed as never, distributed: true }, async (_ctx, item: number) => item);
    const why =
      "a Distributed Map reads its items from the XCom store, where only an unmapped code task's worker writes a list";
    expect(problems(d)).toEqual([
      `${FILE} › dag mapped › task again › distributed: cannot run as a Distributed Map: its list comes from 'numbers', a mapped task; ${why}`,
      `${FILE} › dag mapped › task each › distributed: cannot run as a Distributed Map: its list comes from 'listed', a lambda invoke task; ${why}`,
    ]);
  });

  it('leaves over the quota, and refuses, a mapping that cannot be distributed', () => {
    const d = dag({ id: 'mapped' });
    const numbers = d.expand('numbers', { over: [1, 2] }, async (_ctx, item: number) => [item]);
    d.expand('again', { over: numbers as never, expectedItems: 10_000 }, async (_ctx, item: number) => item);
    const found = compiled(d).problems;
    expect(found.map((problem) => [problem.taskId, problem.field])).toEqual([['again', 'expectedItems']]);
    expect(found[0]!.message).toContain("an inline Map writes every item's events into the run's own history");
  });
});
