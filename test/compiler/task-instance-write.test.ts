import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import type { AslState, StateGraph, TaskState } from '../../lib/compiler/asl-types.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { type Dag, dag } from '../../lib/index.ts';

/** Every state of a definition by name, Parallel branches included. */
function allStates(graph: StateGraph, into = new Map<string, AslState>()): Map<string, AslState> {
  for (const [name, state] of Object.entries(graph.States)) {
    into.set(name, state);
    if (state.Type === 'Parallel') for (const branch of state.Branches) allStates(branch, into);
  }
  return into;
}

/** The states that lead to `target` (Next, Choices, Default, Catch). */
function predecessors(states: Map<string, AslState>, target: string): string[] {
  const found: string[] = [];
  for (const [name, state] of states) {
    const nexts = [
      'Next' in state ? state.Next : undefined,
      ...(state.Type === 'Choice' ? [...state.Choices.map((choice) => choice.Next), state.Default] : []),
      ...('Catch' in state ? (state.Catch ?? []).map((handler) => handler.Next) : []),
    ];
    if (nexts.includes(target)) found.push(name);
  }
  return found.sort();
}

/** A DAG with a task of every kind no worker runs, each between two code tasks. */
function everyKind(): Dag {
  const d = dag({ id: 'kinds', schedule: '@daily', startDate: '2026-11-01' });
  const first = d.task('first', async () => 1);
  const steps = [
    d.empty('join'),
    d.wait('pause', { duration: '1 second' }),
    d.latestOnly('latest'),
    d.dynamoPut('put', { table: 'audit', item: { pk: { S: 'x' } } }),
    d.invokeLambda('call', { functionName: 'fn' }),
    d.s3Sensor('arrived', { bucket: 'b', key: 'k', pokeInterval: '1 minute', timeout: '1 hour' }),
    d.externalTaskSensor('other', { externalDagId: 'upstream_dag', pokeInterval: '1 minute', timeout: '1 hour' }),
    d.triggerDag('start_child', { dagId: 'child' }),
  ];
  for (const step of steps) step.after(first);
  d.task('last', async () => 2).after(...steps);
  return d;
}

describe('Compiler: the task-instance write of a task no worker runs', () => {
  it('passes every exit of each such task through one write of its record, and none of a worker task', () => {
    const { definition, problems } = compileDag(everyKind());
    expect(problems).toEqual([]);
    expect(aslValidator(structuredClone(definition) as never).isValid).toBe(true);
    const states = allStates(definition!);
    for (const id of ['join', 'pause', 'latest', 'put', 'call', 'arrived', 'other', 'start_child']) {
      const write = states.get(`${id}:recorded`) as TaskState;
      expect(write, id).toMatchObject({
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:updateItem',
        ResultPath: null,
        Parameters: {
          TableName: '${TaskInstancesTable}',
          Key: { runKey: { 'S.$': "States.Format('kinds#{}', $.ctx.runId)" }, taskKey: { S: `${id}#-1` } },
          ExpressionAttributeValues: {
            ':s': { 'S.$': `$.tasks.${id}.state` },
            ':t': { S: id },
            ':m': { N: '-1' },
            ':e': { 'S.$': '$$.Execution.Id' },
          },
        },
      });
      // A write that fails after its retries goes on where the write would have: it never fails the run.
      // (Here each ends a Parallel branch: its Catch goes to a Pass ending the branch.)
      expect(write.Catch).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: null, Next: write.Next ?? `${id}:record_lost` },
      ]);
      // Every state that writes the task's record (its end, its caught error, a skip) leads here, and nothing
      // else: none bypasses the write.
      for (const before of predecessors(states, `${id}:recorded`)) expect(before.split(':')[0]).toBe(id);
      for (const [name, state] of states) {
        if (!name.startsWith(`${id}:`) && name !== id) continue;
        if (name === `${id}:recorded`) continue;
        const leaves = 'Next' in state && state.Next !== undefined && !state.Next.startsWith(`${id}`);
        expect(leaves, `${name} goes on to ${'Next' in state ? state.Next : ''} without the write`).toBe(false);
      }
    }
    // Worker tasks write their own records (lib/worker/try-records.ts).
    expect(states.has('first:recorded')).toBe(false);
    expect(states.has('last:recorded')).toBe(false);
  });

  it('writes the record of a task skipped or upstream_failed by its trigger rule, too', () => {
    const d = dag({ id: 'not_run' });
    const fails = d.dynamoPut('put', { table: 'audit', item: { pk: { S: 'x' } } });
    d.empty('after_put', { upstream: fails });
    const states = allStates(compileDag(d).definition!);
    expect(states.get('after_put:upstream_failed')).toMatchObject({ Next: 'after_put:recorded' });
    expect(states.get('after_put:skipped')).toMatchObject({ Next: 'after_put:recorded' });
  });

  it('ends a Parallel branch with the write, its Catch going to a Pass that ends the branch', () => {
    const d = dag({ id: 'branches' });
    d.empty('left');
    d.empty('right');
    const states = allStates(compileDag(d).definition!);
    expect(states.get('left:recorded')).toMatchObject({
      End: true,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'left:record_lost' }],
    });
    expect(states.get('left:record_lost')).toEqual({ Type: 'Pass', End: true });
  });

  it('counts the write in the transitions and history of each such task: one Task state (6 events)', () => {
    const one = dag({ id: 'count' });
    one.dynamoPut('put', { table: 'audit', item: { pk: { S: 'x' } } });
    const two = dag({ id: 'count' });
    two.dynamoPut('put', { table: 'audit', item: { pk: { S: 'x' } } }).then(two.empty('after'));
    const stats = (d: Dag) => compileDag(d).manifest!.stats.transitions;
    // The step (1) and its write (1); `after`: its decision (1), its Pass (1) and its write (1).
    expect(stats(one).perTask.put).toEqual({ transitions: 2 });
    expect(stats(two).perTask.after).toEqual({ transitions: 3 });
    // History: `after` adds a Choice (2), a Pass (2) and the write's Task (6).
    expect(stats(two).historyEvents - stats(one).historyEvents).toBe(2 + 2 + 6);
  });

  it('keys the write of a split DAG’s child by the run: the parent’s execution, as the recorder makes it final', () => {
    const d = dag({ id: 'split' });
    for (let i = 0; i < 6; i++) d.empty(`e${i}`);
    const { children } = compileDag(d, { splitAt: { definitionBytes: 2_000, historyEvents: 1_000_000 } });
    expect(children!.length).toBeGreaterThanOrEqual(2);
    for (const child of children!) {
      const states = allStates(child.definition!);
      for (const id of child.taskIds) {
        const write = states.get(`${id}:recorded`) as TaskState;
        expect(
          (write.Parameters as { ExpressionAttributeValues: Record<string, unknown> }).ExpressionAttributeValues[':e'],
        ).toEqual({
          'S.$': '$$.Execution.Input.runExecutionArn',
        });
      }
    }
  });
});
