import { describe, expect, it } from 'vitest';
import { planStructure, topologicalOrder } from '../../lib/compiler/plan-structure.ts';

const plan = (edges: Record<string, string[]>) => {
  const ids = Object.keys(edges).sort();
  return planStructure(ids, new Map(ids.map((id) => [id, [...edges[id]!].sort()])));
};
const t = (id: string) => ({ kind: 'task', id });

describe('Function: planStructure', () => {
  it('keeps a chain as one sequence', () => {
    const result = plan({ a: [], b: ['a'], c: ['b'] });
    expect(result.root).toEqual([t('a'), t('b'), t('c')]);
    expect(result.cutEdges.size).toBe(0);
  });

  it('turns a diamond into a Parallel between its ends', () => {
    const result = plan({ a: [], b: ['a'], c: ['a'], d: ['b', 'c'] });
    expect(result.root).toEqual([t('a'), { kind: 'parallel', branches: [[t('b')], [t('c')]] }, t('d')]);
    expect(result.cutEdges.size).toBe(0);
  });

  it('runs independent tasks as Parallel branches', () => {
    expect(plan({ x: [], y: [], z: [] }).root).toEqual([
      { kind: 'parallel', branches: [[t('x')], [t('y')], [t('z')]] },
    ]);
  });

  it('finds a series split that is neither a lone source nor the sources alone', () => {
    // (a -> b) || c, then (d -> e) || f, every task of the first part before every task of the second.
    const result = plan({ a: [], b: ['a'], c: [], d: ['b', 'c'], e: ['d'], f: ['b', 'c'] });
    expect(result.cutEdges.size).toBe(0);
    expect(result.root).toEqual([
      { kind: 'parallel', branches: [[t('a'), t('b')], [t('c')]] },
      { kind: 'parallel', branches: [[t('d'), t('e')], [t('f')]] },
    ]);
  });

  it('cuts every upstream edge of a task that starts early, so it waits at a gate beside its upstream tasks', () => {
    const edges: Record<string, string[]> = { start: [], fast: ['start'], slow: ['start'], join: ['fast', 'slow'] };
    const ids = Object.keys(edges).sort();
    const result = planStructure(ids, new Map(ids.map((id) => [id, edges[id]!])), new Map([['join', ['success']]]));
    // The join has no upstream edge left: its branch starts with the run and waits at its gate.
    expect(result.root).toEqual([
      {
        kind: 'parallel',
        branches: [[t('start'), { kind: 'parallel', branches: [[t('fast')], [t('slow')]] }], [t('join')]],
      },
    ]);
    expect(result.cutEdges).toEqual(new Map([['join', ['fast', 'slow']]]));
    expect(result.openEarly).toEqual(new Map([['join', ['success']]]));
  });

  it('cuts one edge of the N shape into a gate, and only that one', () => {
    const result = plan({ slow: [], fast: [], join: ['fast', 'slow'], after_fast: ['fast'] });
    expect([...result.cutEdges]).toEqual([['join', ['slow']]]);
    expect(result.root).toEqual([
      {
        kind: 'parallel',
        branches: [[t('fast'), { kind: 'parallel', branches: [[t('after_fast')], [t('join')]] }], [t('slow')]],
      },
    ]);
  });

  it('plans a long chain and a wide fan-out without deep recursion', () => {
    const chain: Record<string, string[]> = {};
    for (let i = 0; i < 5000; i++)
      chain[`t${String(i).padStart(5, '0')}`] = i === 0 ? [] : [`t${String(i - 1).padStart(5, '0')}`];
    expect(plan(chain).root).toHaveLength(5000);
    const fan: Record<string, string[]> = { root: [] };
    for (let i = 0; i < 3000; i++) fan[`m${i}`] = ['root'];
    const result = plan(fan).root;
    expect(result).toHaveLength(2);
    expect((result[1] as { branches: unknown[] }).branches).toHaveLength(3000);
  });
});

describe('Function: topologicalOrder', () => {
  it('orders upstream first, ties by id', () => {
    const order = topologicalOrder(
      ['a', 'b', 'c', 'd'],
      new Map([
        ['a', ['c']],
        ['b', []],
        ['c', []],
        ['d', ['a', 'b']],
      ]),
    );
    expect(order).toEqual(['b', 'c', 'a', 'd']);
  });
});
