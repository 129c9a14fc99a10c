import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { effectivePriorityWeights } from '../../lib/compiler/priority-weights.ts';
import { workerTasksOf } from '../../lib/compiler/worker-contract.ts';
import { dag } from '../../lib/index.ts';
import { formatProblem } from '../../lib/sdk/errors.ts';
import type { WeightRule } from '../../lib/sdk/weight-rule.ts';

/** The reference: a walk from every task, collecting its relatives in a set, then adding their weights. */
function naiveWeights(
  tasks: ReadonlyArray<{ id: string; upstream: readonly string[]; priorityWeight: number; weightRule: WeightRule }>,
): Record<string, number> {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const downstreamOf = (id: string) => tasks.filter((task) => task.upstream.includes(id)).map((task) => task.id);
  const relatives = (start: string, next: (id: string) => readonly string[]) => {
    const seen = new Set<string>();
    const stack = [...next(start)];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...next(id));
    }
    return seen;
  };
  return Object.fromEntries(
    tasks.map((task) => {
      const found =
        task.weightRule === 'absolute'
          ? new Set<string>()
          : relatives(task.id, task.weightRule === 'downstream' ? downstreamOf : (id) => byId.get(id)!.upstream);
      return [task.id, [...found].reduce((sum, id) => sum + byId.get(id)!.priorityWeight, task.priorityWeight)];
    }),
  );
}

describe('Function: effectivePriorityWeights', () => {
  it("adds every downstream task's weight once, as Airflow's default weight_rule (downstream) does", () => {
    // extract -> (clean, audit) -> load; audit also feeds report. `load` is reached by two paths, counted once.
    const weights = effectivePriorityWeights([
      { id: 'extract', upstream: [], priorityWeight: 1 },
      { id: 'clean', upstream: ['extract'], priorityWeight: 2 },
      { id: 'audit', upstream: ['extract'], priorityWeight: 10 },
      { id: 'load', upstream: ['audit', 'clean'], priorityWeight: 3 },
      { id: 'report', upstream: ['audit'], priorityWeight: 100 },
    ]);
    expect(Object.fromEntries(weights)).toEqual({
      extract: 1 + 2 + 10 + 3 + 100,
      clean: 2 + 3,
      audit: 10 + 3 + 100,
      load: 3,
      report: 100,
    });
  });

  it("adds every upstream task's weight with weightRule upstream, and none with absolute", () => {
    const chain = (weightRule: 'upstream' | 'absolute') =>
      Object.fromEntries(
        effectivePriorityWeights([
          { id: 'extract', upstream: [], priorityWeight: 1, weightRule },
          { id: 'clean', upstream: ['extract'], priorityWeight: 2, weightRule },
          { id: 'audit', upstream: ['extract'], priorityWeight: 10, weightRule },
          { id: 'load', upstream: ['audit', 'clean'], priorityWeight: 3, weightRule },
        ]),
      );
    expect(chain('upstream')).toEqual({ extract: 1, clean: 2 + 1, audit: 10 + 1, load: 3 + 10 + 2 + 1 });
    expect(chain('absolute')).toEqual({ extract: 1, clean: 2, audit: 10, load: 3 });
  });

  it('counts each relative once on diamond-heavy graphs, as a walk from every task does (downstream, upstream, mixed weights)', () => {
    // Layers of 40 where each task reads 2-4 tasks of the layer above or two above: diamonds everywhere.
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const layers = 12;
    const width = 40;
    const build = (weightOf: (i: number) => number, ruleOf: (i: number) => 'downstream' | 'upstream' | 'absolute') => {
      const tasks: Array<{ id: string; upstream: string[]; priorityWeight: number; weightRule: WeightRule }> = [];
      for (let layer = 0; layer < layers; layer++) {
        for (let k = 0; k < width; k++) {
          const i = layer * width + k;
          const upstream = new Set<string>();
          for (let r = layer === 0 ? 0 : 2 + Math.floor(random() * 3); r > 0; r--) {
            const from = Math.max(0, layer - 1 - (random() < 0.3 ? 1 : 0));
            upstream.add(`t${from * width + Math.floor(random() * width)}`);
          }
          tasks.push({ id: `t${i}`, upstream: [...upstream], priorityWeight: weightOf(i), weightRule: ruleOf(i) });
        }
      }
      // Not in topological order: the function must not depend on the order tasks are given in.
      return tasks.reverse();
    };
    const cases = [
      build(
        () => 1,
        () => 'downstream',
      ),
      build(
        (i) => (i % 3) - 1,
        () => 'upstream',
      ),
      // More distinct weights than the masked sum handles: members are summed one by one.
      build(
        (i) => (i * 7919) % 1000,
        (i) => (['downstream', 'upstream', 'absolute'] as const)[i % 3]!,
      ),
    ];
    for (const tasks of cases) {
      expect(Object.fromEntries(effectivePriorityWeights(tasks))).toEqual(naiveWeights(tasks));
    }
    // The graph really is diamond-heavy: a sum over children counts a task once per path to it, several times over.
    const sample = cases[0]!;
    const childrenOf = (id: string) => sample.filter((task) => task.upstream.includes(id)).map((task) => task.id);
    const pathSums = new Map<string, number>();
    const sumOverChildren = (id: string): number => {
      if (!pathSums.has(id)) {
        pathSums.set(
          id,
          childrenOf(id).reduce((total, child) => total + sumOverChildren(child), 1),
        );
      }
      return pathSums.get(id)!;
    };
    const exact = naiveWeights(sample);
    const first = sample.at(-1)!.id;
    expect(sumOverChildren(first)).toBeGreaterThan(exact[first]! * 4);
  });

  it('refuses an unknown weightRule, naming the file, DAG, task and field', () => {
    const d = dag({ id: 'sideways' });
    d.task('a', { weightRule: 'sideways' as 'upstream' }, async () => 1);

    const result = compileDag(d, { file: 'dags/sideways.ts' });

    expect(result.problems.map(formatProblem)).toEqual([
      "dags/sideways.ts › dag sideways › task a › weightRule: unknown weight rule 'sideways' (one of: downstream, upstream, absolute)",
    ]);
  });

  it('refuses a weightRule on a step that never waits for a slot, but not one the DAG gives every task', () => {
    const d = dag({ id: 'joins' });
    const work = d.task('work', { pool: 'p' }, async () => 1);
    d.empty('join', { upstream: work, weightRule: 'absolute', priorityWeight: 3 });

    expect(compileDag(d, { file: 'dags/joins.ts' }).problems.map(formatProblem)).toEqual([
      "dags/joins.ts › dag joins › task join › weightRule: does nothing for an empty task: it never waits for a pool or maxActiveTasks slot, so its own weight rule is never used (its priorityWeight still counts towards other tasks' weights)",
    ]);

    const all = dag({ id: 'all_upstream', defaultArgs: { weightRule: 'upstream' } });
    const first = all.task('first', async () => 1);
    all.empty('join', { upstream: first });
    const compiled = compileDag(all);
    expect(compiled.problems).toEqual([]);
    // By the upstream rule `first`, which has no upstream task, is ranked by its own weight alone.
    expect(workerTasksOf(compiled.manifest!).get('first')!.priorityWeight).toBe(1);
  });

  it('refuses a pool or weightRule on a container task: its own image answers its token, no worker takes slots for it', () => {
    const d = dag({ id: 'images' });
    d.container('score', { image: 'public.ecr.aws/acme/score:1', pool: 'p', weightRule: 'absolute' });

    expect(compileDag(d, { file: 'dags/images.ts' }).problems.map(formatProblem)).toEqual([
      "dags/images.ts › dag images › task score › pool: does nothing for a container step: your own image answers its own token and no Airstep worker holds pool slots for it (use a code task with compute: 'fargate')",
      "dags/images.ts › dag images › task score › weightRule: does nothing for a container step: it never waits for a pool or maxActiveTasks slot, so its own weight rule is never used (its priorityWeight still counts towards other tasks' weights)",
    ]);
  });

  it('puts the effective weight into the manifest, where the local engine and the cloud workers read it', () => {
    const d = dag({ id: 'weighted' });
    const first = d.task('first', async () => 1);
    d.task('second', { upstream: first, priorityWeight: 5 }, async () => 2);
    d.task('alone', { priorityWeight: 4 }, async () => 3);

    const tasks = workerTasksOf(compileDag(d).manifest!);

    expect([...tasks.values()].map((task) => [task.id, task.priorityWeight])).toEqual([
      ['alone', 4],
      ['first', 6],
      ['second', 5],
    ]);
  });
});
