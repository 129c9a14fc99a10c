import { describe, expect, it } from 'vitest';
import { chain, crossDownstream, DagDefinitionError, dag, fanIn, fanOut } from '../../lib/index.ts';
import { edgesOf, noop, problemsOf } from './dag-edges.ts';

function fiveTasks(id: string) {
  const d = dag({ id });
  const [a, b, c, x, y] = ['a', 'b', 'c', 'x', 'y'].map((name) => d.task(name, noop));
  return { d, a: a!, b: b!, c: c!, x: x!, y: y! };
}

describe('Method: then / after', () => {
  it('then() makes the argument run after the task and returns it, so chains read left to right', () => {
    const { d, a, b, c } = fiveTasks('then_chain');
    const returned = a.then(b).then(c);
    expect(returned).toBe(c);
    expect(edgesOf(d)).toEqual(['a -> b', 'b -> c']);
  });

  it('then() with a list fans out; after() with several tasks fans in and returns the task itself', () => {
    const { d, a, b, c, x } = fiveTasks('then_after_lists');
    expect(a.then([b, c])).toEqual([b, c]);
    expect(x.after(b, c)).toBe(x);
    expect(edgesOf(d)).toEqual(['a -> b', 'a -> c', 'b -> x', 'c -> x']);
  });

  it('declaring the same dependency twice makes one edge', () => {
    const { d, a, b } = fiveTasks('same_edge_twice');
    a.then(b);
    b.after(a);
    d.task('z', { inputs: { value: a }, upstream: [a, 'a'] }, noop);
    expect(edgesOf(d)).toEqual(['a -> b', 'a -> z']);
  });

  it('refuses a value that is not a task, a group or a list, saying what it got', () => {
    const { a } = fiveTasks('then_undefined');
    const missing = new Map<string, typeof a>().get('laod');
    expect(() => a.then(missing!)).toThrow(
      new DagDefinitionError('expected a task, a task group or a list of them, got undefined'),
    );
    // @ts-expect-error: a task id is named with the upstream option, not passed to then()
    expect(() => a.then('b')).toThrow(
      "expected a task, a task group or a list of them, got the string 'b' (name a task by id with the upstream option)",
    );
  });
});

describe('Function: chain', () => {
  it('links each step to the next', () => {
    const { d, a, b, c } = fiveTasks('chain_plain');
    chain(a, b, c);
    expect(edgesOf(d)).toEqual(['a -> b', 'b -> c']);
  });

  it('fans out into a list and back in from it', () => {
    const { d, a, b, c, x } = fiveTasks('chain_lists');
    chain(a, [b, c], x);
    expect(edgesOf(d)).toEqual(['a -> b', 'a -> c', 'b -> x', 'c -> x']);
  });

  it('links two adjacent lists of the same length pairwise, not every pair', () => {
    const { d, a, b, x, y } = fiveTasks('chain_pairwise');
    chain([a, b], [x, y]);
    expect(edgesOf(d)).toEqual(['a -> x', 'b -> y']);
  });

  it('reports adjacent lists of different lengths instead of guessing', () => {
    const { d, a, b, c, x, y } = fiveTasks('chain_mismatch');
    chain([a, b], [c, x, y]);
    expect(edgesOf(d)).toEqual([]);
    expect(problemsOf(d)).toEqual([
      'dag chain_mismatch › chain: adjacent lists must have the same length to link pairwise (2 and 3)',
    ]);
  });
});

describe('Functions: crossDownstream, fanOut, fanIn', () => {
  it('crossDownstream links every upstream task to every downstream task', () => {
    const { d, a, b, x, y } = fiveTasks('cross');
    crossDownstream([a, b], [x, y]);
    expect(edgesOf(d)).toEqual(['a -> x', 'a -> y', 'b -> x', 'b -> y']);
  });

  it('fanOut links one task to each of a list and returns the list', () => {
    const { d, a, b, c, x } = fiveTasks('fan_out');
    const downstream = [b, c, x];
    expect(fanOut(a, downstream)).toBe(downstream);
    expect(edgesOf(d)).toEqual(['a -> b', 'a -> c', 'a -> x']);
  });

  it('fanIn links each of a list to one task and returns that task', () => {
    const { d, a, b, c, y } = fiveTasks('fan_in');
    expect(fanIn([a, b, c], y)).toBe(y);
    expect(edgesOf(d)).toEqual(['a -> y', 'b -> y', 'c -> y']);
  });

  it('fanOut then fanIn builds the diamond, and nothing more', () => {
    const { d, a, b, c, x, y } = fiveTasks('diamond');
    fanIn(fanOut(a, [b, c, x]), y);
    expect(edgesOf(d)).toEqual(['a -> b', 'a -> c', 'a -> x', 'b -> y', 'c -> y', 'x -> y']);
  });
});

describe('Dependencies across DAGs', () => {
  it('are refused and reported on the task of the DAG being validated', () => {
    const first = dag({ id: 'first' });
    const second = dag({ id: 'second' });
    const a = first.task('a', noop);
    const b = second.task('b', noop);
    b.after(a);
    second.task('c', { inputs: { value: a } }, noop);
    b.then(first.task('d', noop));

    expect(edgesOf(second)).toEqual([]);
    expect(problemsOf(second)).toEqual([
      "dag second › task b › upstream: 'a' belongs to DAG 'first'; dependencies cannot cross DAGs",
      "dag second › task c › inputs.value: 'a' belongs to DAG 'first'; dependencies cannot cross DAGs",
      "dag second › task b › downstream: 'd' belongs to DAG 'first'; dependencies cannot cross DAGs",
    ]);
    expect(problemsOf(first)).toEqual([]);
  });
});
