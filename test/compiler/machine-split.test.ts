import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { dbtLikeDag } from '../../dags/_shared/dbt-like-graph.ts';
import type { MapState, ParallelState, TaskState } from '../../lib/compiler/asl-types.ts';
import { CHILD_START_RETRY } from '../../lib/compiler/child-failure-states.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { cutMachines, SPLIT_AT, splitReason } from '../../lib/compiler/machine-split.ts';
import { asset, type Dag, dag } from '../../lib/index.ts';

const range = (n: number) => Array.from({ length: n }, (_, index) => index);

/** `n` independent tasks between a start and an end: one definition grows by ~1.5 KiB a task. */
function fan(n: number, id = 'fan'): Dag {
  const d = dag({ id });
  const start = d.task('start', async () => 1);
  const end = d.task('end', async () => 2);
  for (const i of range(n))
    d.task(`t${String(i).padStart(4, '0')}`, async () => i)
      .after(start)
      .then(end);
  return d;
}

/** Three groups of `size` tasks each, a chain of groups. */
function grouped(size: number): Dag {
  const d = dag({ id: 'grouped' });
  const groups = ['a', 'b', 'c'].map((name) =>
    d.group(name, (g) => {
      for (const i of range(size)) g.task(`m${i}`, async () => i);
    }),
  );
  groups[0]!.then(groups[1]!.asNode);
  groups[1]!.then(groups[2]!.asNode);
  return d;
}

const small = { definitionBytes: 2_000, historyEvents: 1_000_000 };

describe('Function: compileDag of a DAG too big for one state machine', () => {
  it('keeps a DAG under the thresholds in one machine, and splits one over them into a parent and children', () => {
    expect(compileDag(fan(10)).children).toBeUndefined();
    expect(compileDag(fan(10)).manifest!.machines).toBeUndefined();
    const big = compileDag(fan(700));
    expect(big.problems).toEqual([]);
    expect(big.children!.length).toBeGreaterThanOrEqual(2);
    expect(big.manifest!.machines!.why).toMatch(
      /^one definition would be \d+ bytes \(split above 891289; Step Functions takes at most 1048576\)$/,
    );
    for (const child of big.manifest!.machines!.children)
      expect(child.definitionBytes).toBeLessThan(SPLIT_AT.definitionBytes);
    // Every task is in exactly one child.
    expect(big.children!.flatMap((child) => child.taskIds).sort()).toEqual(big.ir.tasks.map((task) => task.id));
  });

  it('starts every child from one Parallel with startExecution.sync:2, passing the run context and its own execution', () => {
    const { definition, children, manifest } = compileDag(fan(6), { splitAt: small });
    expect(aslValidator(structuredClone(definition) as never).isValid).toBe(true);
    for (const child of children!) expect(aslValidator(structuredClone(child.definition) as never).isValid).toBe(true);
    const parts = definition!.States['run:parts'] as ParallelState;
    expect(parts.Branches).toHaveLength(children!.length);
    const first = parts.Branches[0]!.States['run:part-01'] as TaskState;
    expect(first).toEqual({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: {
        StateMachineArn: '${ChildMachineArn_01}',
        Input: {
          'ctx.$': '$.ctx',
          tasks: {},
          gates: {},
          'runExecutionArn.$': '$$.Execution.Id',
          'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
        },
      },
      ResultSelector: { 'ctx.$': '$.Output.ctx', 'tasks.$': '$.Output.tasks' },
      // A busy account does not fail the run; a child that fails on its own ends as records (child-failure-states).
      Retry: [CHILD_START_RETRY],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.childError', Next: 'run:part-01:failed' }],
      End: true,
    });
    expect(manifest!.placeholders).toContain('ChildMachineArn_01');
    // The children's placeholders are the manifest's too (the queue their workers' messages go to).
    expect(manifest!.placeholders).toContain('ControlQueueUrl');
    const filled = fillPlaceholders(JSON.stringify(definition), {
      dagVersion: 'v1',
      controlQueueUrl: 'q',
      taskQueueUrls: { default: 'q' },
      childMachineArns: Object.fromEntries(
        children!.map((child) => [child.name.slice(5), `arn:aws:states:us-east-1:1:stateMachine:x-${child.name}`]),
      ),
    });
    expect(filled).toContain('arn:aws:states:us-east-1:1:stateMachine:x-part-01');
    expect(() =>
      fillPlaceholders(JSON.stringify(definition), { dagVersion: 'v1', controlQueueUrl: 'q', taskQueueUrls: {} }),
    ).toThrow(/no value for ChildMachineArn_01/);
  });

  it('keys the gates and signals of every child by the parent execution, so an edge between children is exact', () => {
    const d = dag({ id: 'two' });
    const a = d.task('a', async () => 1);
    d.task('b', async () => 2).after(a);
    const { children } = compileDag(d, { splitAt: { definitionBytes: 1, historyEvents: 1 } });
    const [first, second] = children!;
    expect(first!.taskIds).toEqual(['a']);
    const signal = first!.definition.States['a:signal'] as TaskState;
    expect(signal.Parameters!.MessageBody).toMatchObject({
      kind: 'signal',
      'executionArn.$': '$$.Execution.Input.runExecutionArn',
    });
    const gate = second!.definition.States['b:gate'] as TaskState;
    expect(gate.Parameters!.MessageBody).toMatchObject({
      kind: 'gate',
      'executionArn.$': '$$.Execution.Input.runExecutionArn',
      waitFor: ['a'],
    });
    // A child's run ends in a Succeed: the parent decides the run's result.
    expect(JSON.stringify(second!.definition)).not.toContain('run:result');
  });

  it('keys every worker payload, Fargate env, outlet event id and distributed item of a child by the run', () => {
    const d = dag({ id: 'keyed' });
    const list = d.task('list', async () => [1, 2]);
    d.task('train', { compute: 'fargate' }, async () => 1).after(list);
    d.expand('each', { over: list, distributed: true }, async (_ctx, n: number) => n);
    // An empty task's asset event is one per run: its id is the run's execution.
    d.empty('done', { outlets: [asset('s3://lake/orders')] }).after(list);
    const { children, definition } = compileDag(d, { splitAt: { definitionBytes: 1, historyEvents: 1 } });
    expect(children!.length).toBe(4);
    const texts = children!.map((child) => JSON.stringify(child.definition));
    // No state of a child reads its own execution but the items of a distributed mapping, which read the run's
    // from their input (the Map's ItemSelector).
    for (const child of children!) {
      const itemProcessors = Object.values(child.definition.States).flatMap((state) =>
        state.Type === 'Map' ? [JSON.stringify(state.ItemProcessor)] : [],
      );
      const outside = itemProcessors.reduce((text, inner) => text.replace(inner, ''), JSON.stringify(child.definition));
      expect(outside, child.name).not.toContain('$$.Execution.Id');
    }
    const all = texts.join('\n');
    expect(all).toContain('"executionArn.$":"$$.Execution.Input.runExecutionArn"');
    expect(all).toContain('"Value.$":"$$.Execution.Input.runExecutionArn"');
    expect(all).toMatch(/States\.Format\('\{\}\/done\/0', \$\$\.Execution\.Input\.runExecutionArn\)/);
    const map = children!
      .flatMap((child) => Object.values(child.definition.States))
      .find((state) => state.Type === 'Map') as MapState;
    expect(map.ItemSelector).toMatchObject({ 'executionArn.$': '$$.Execution.Input.runExecutionArn' });
    expect(JSON.stringify(map.ItemProcessor)).toContain('"executionArn.$":"$.executionArn"');
    // The parent hands its own execution to each child: that is the run.
    expect(JSON.stringify(definition)).toContain('"runExecutionArn.$":"$$.Execution.Id"');
    // Compiled whole, the same DAG reads its own execution, as before.
    expect(JSON.stringify(compileDag(d).definition)).toContain('"executionArn.$":"$$.Execution.Id"');
  });

  it('cuts by whole task groups when each fits in a part, else by the topological order', () => {
    const byGroup = compileDag(grouped(4), { splitAt: { definitionBytes: 16_000, historyEvents: 1_000_000 } });
    expect(byGroup.manifest!.machines!.by).toBe('group');
    expect(byGroup.children).toHaveLength(3);
    for (const child of byGroup.children!) {
      expect(new Set(child.taskIds.map((id) => id.split('.')[0])).size, child.name).toBe(1);
    }
    // A threshold so small that a part holds one task: a group of four no longer fits.
    const byGraph = compileDag(grouped(4), { splitAt: { definitionBytes: 1, historyEvents: 1 } });
    expect(byGraph.manifest!.machines!.by).toBe('graph');
    expect(byGraph.children).toHaveLength(12);
  });

  it('cuts the graph into equal runs of its topological order, numbered in that order', () => {
    const cut = cutMachines(compileDag(fan(4)).ir, 3);
    expect(cut).toEqual({
      by: 'graph',
      parts: [
        { name: 'part-01', taskIds: ['start', 't0000'] },
        { name: 'part-02', taskIds: ['t0001', 't0002'] },
        { name: 'part-03', taskIds: ['end', 't0003'] },
      ],
    });
  });

  it('splits on the history estimate too, and says why', () => {
    expect(splitReason({ definitionBytes: 10, historyEvents: 30_000 }, SPLIT_AT)).toBe(
      'a run would write about 30000 history events in one execution (split above 21250; an execution holds at most 25000)',
    );
    expect(splitReason({ definitionBytes: 10, historyEvents: 10 }, SPLIT_AT)).toBeUndefined();
    const { manifest } = compileDag(fan(40), { splitAt: { definitionBytes: 10_000_000, historyEvents: 100 } });
    expect(manifest!.machines!.why).toMatch(
      /^a run would write about \d+ history events in one execution \(split above 100;/,
    );
    for (const child of manifest!.machines!.children) expect(child.historyEvents).toBeLessThanOrEqual(100);
  });

  it('compiles the same DAG to byte-identical machines (deterministic cut)', () => {
    const once = compileDag(dbtLikeDag('models', 300), {
      splitAt: { definitionBytes: 60_000, historyEvents: 1_000_000 },
    });
    const again = compileDag(dbtLikeDag('models', 300), {
      splitAt: { definitionBytes: 60_000, historyEvents: 1_000_000 },
    });
    expect(once.children!.length).toBeGreaterThan(2);
    expect(again.asl).toBe(once.asl);
    expect(again.children!.map((child) => child.asl)).toEqual(once.children!.map((child) => child.asl));
  });

  it('counts the run as a whole: every task once, the parent and children overhead, the largest execution', () => {
    const one = compileDag(fan(6)).manifest!.stats.transitions;
    const split = compileDag(fan(6), { splitAt: small }).manifest!.stats.transitions;
    expect(Object.keys(split.perTask).sort()).toEqual(Object.keys(one.perTask).sort());
    expect(split.total).toBeGreaterThan(one.total);
  });
});
