import aslValidator from 'asl-validator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { earlyStartingTasks } from '../../lib/compiler/early-trigger-rules.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { TRIGGER_RULES } from '../../lib/sdk/trigger-rule.ts';
import { ancestorsOf, tasksEndedBeforeStart } from '../helpers/asl-dependencies.ts';

/**
 * Random DAGs: each compiles, passes asl-validator, and the ASL makes every task wait for exactly its
 * ancestors (read back from the state graph): no lost edge, no false edge. With tasks that start early (`one_*`, see
 * early-trigger-rules.ts), exactly what Airflow makes certain (`certainlyEnded`): such a task waits for any one of
 * its upstream tasks (the gate decides which upstream states open it; unit tests cover that).
 */
const KINDS = ['code', 'empty', 'wait', 'sensor', 'mapped', 'branch', 'latest'] as const;

const randomDag = fc.integer({ min: 1, max: 14 }).chain((size) =>
  fc.tuple(
    fc.constant(size),
    fc.array(fc.array(fc.integer({ min: 0, max: 99 }), { minLength: size, maxLength: size }), {
      minLength: size,
      maxLength: size,
    }),
    fc.array(fc.constantFrom(...KINDS), { minLength: size, maxLength: size }),
    fc.array(fc.constantFrom(...TRIGGER_RULES), { minLength: size, maxLength: size }),
    fc.double({ min: 0.05, max: 0.6, noNaN: true }),
  ),
);

function build([size, links, kinds, rules, density]: [number, number[][], string[], string[], number]) {
  const d = dag({ id: 'random' });
  const upstreamOf = new Map<string, string[]>();
  const refs: ReturnType<typeof d.empty>[] = [];
  for (let i = 0; i < size; i++) {
    const id = `t${i}`;
    // Each earlier task is an upstream with probability `density`.
    const ups = refs.filter((_, j) => links[i]![j]! < density * 100);
    upstreamOf.set(id, ups.map((ref) => ref.id).sort());
    const options = { upstream: ups, triggerRule: rules[i] as never };
    const kind = kinds[i];
    if (kind === 'empty') refs.push(d.empty(id, options));
    else if (kind === 'wait') refs.push(d.wait(id, { ...options, duration: '1s' }) as never);
    else if (kind === 'sensor')
      refs.push(d.s3Sensor(id, { ...options, bucket: 'b', prefix: 'p/', pokeInterval: 1, timeout: 5000 }) as never);
    else if (kind === 'mapped') refs.push(d.expand(id, { ...options, over: [1, 2] }, async () => 1) as never);
    else if (kind === 'branch') refs.push(d.branch(id, options, async () => []) as never);
    else if (kind === 'latest') refs.push(d.latestOnly(id, options) as never);
    else refs.push(d.task(id, options, async () => i) as never);
  }
  return { d, upstreamOf };
}

/**
 * What is certain to have ended when each task starts, under Airflow's rules: a task waits for all its upstream
 * tasks (and so for what each of them waited for), a task that starts early for any one of them (so only for
 * what every one of them implies). Without early tasks this is the ancestor set. Ids are in topological order.
 */
function certainlyEnded(
  upstreamOf: ReadonlyMap<string, readonly string[]>,
  early: ReadonlyMap<string, unknown>,
): Map<string, Set<string>> {
  const ended = new Map<string, Set<string>>();
  for (const [id, ups] of upstreamOf) {
    const implied = ups.map((up) => new Set([up, ...ended.get(up)!]));
    let set = new Set<string>();
    if ((early.get(id) as unknown[] | undefined)?.length === 0) {
      // `always`: waits for nothing.
    } else if (implied.length > 0 && early.has(id)) {
      set = implied[0]!;
      for (const other of implied.slice(1)) set = new Set([...set].filter((x) => other.has(x)));
    } else {
      for (const other of implied) for (const x of other) set.add(x);
    }
    ended.set(id, set);
  }
  return ended;
}

describe('Compiler: random DAGs', () => {
  it('encodes exactly the DAG dependency relation, and the definitions are valid ASL', () => {
    let runs = 0;
    let earlyRuns = 0;
    fc.assert(
      fc.property(randomDag, (input) => {
        const { d, upstreamOf } = build(input);
        const compiled = compileDag(d);
        expect(compiled.problems).toEqual([]);
        // asl-validator takes ~0.3 s a definition: check every tenth.
        if (runs++ % 10 === 0) {
          const { isValid, errorsText } = aslValidator(compiled.definition as never);
          expect(isValid, errorsText('\n')).toBe(true);
        }
        const names = new Map(compiled.manifest!.tasks.map((task) => [task.id, task.stateName]));
        const ended = tasksEndedBeforeStart(compiled.definition!, names);
        const ancestors = ancestorsOf(upstreamOf);
        const early = earlyStartingTasks(compiled.ir);
        const waitedFor = early.size === 0 ? ancestors : certainlyEnded(upstreamOf, early);
        if (early.size > 0) earlyRuns++;
        for (const id of upstreamOf.keys()) {
          const started = ended.get(id);
          if (started === undefined) {
            // Only a task whose trigger rule can never fire (all_skipped after a plain task) has no run state.
            expect(compiled.asl, `${id} never starts`).not.toContain(`"${names.get(id)}": {`);
            continue;
          }
          expect([...started].sort(), `tasks ended before ${id} starts in ${JSON.stringify([...upstreamOf])}`).toEqual(
            [...waitedFor.get(id)!].sort(),
          );
        }
      }),
      { numRuns: 300, seed: 20261124 },
    );
    // Joins that start early were among them.
    expect(earlyRuns).toBeGreaterThan(20);
    // 300 compiles and 30 asl-validator runs: seconds on an idle machine, several times that on a loaded one. The
    // limit only catches a hang; nothing here is timed.
  }, 300_000);
});

describe('Compiler: large tangled DAGs', () => {
  /** mulberry32: the same DAGs on every machine. */
  const seeded = (seed: number) => {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  };

  // Over 400 tasks in one component, the planner cuts every extra parent edge into a gate and nests the forest
  // that is left in one pass: the random DAGs above are too small to reach that path. Kept in one machine (no
  // split: what is checked is that machine's plan); each empty task writes its record (task-instance-write.ts),
  // so 420 tasks with the wider window is what fits under the 1 MiB definition quota.
  it.each([
    [450, 12],
    [420, 40],
  ])('a %i-task random DAG (upstream within %i tasks) still waits for exactly its ancestors', (size, window) => {
    const random = seeded(size * 31 + window);
    const d = dag({ id: `large_${size}` });
    const upstreamOf = new Map<string, string[]>();
    const refs: ReturnType<typeof d.empty>[] = [];
    for (let i = 0; i < size; i++) {
      const ups = new Set<number>();
      const count = i === 0 ? 0 : 1 + Math.floor(random() * 3);
      for (let k = 0; k < count; k++) ups.add(i - 1 - Math.floor(random() * Math.min(i, window)));
      const upstream = [...ups].map((j) => refs[j]!);
      const id = `t${String(i).padStart(4, '0')}`;
      upstreamOf.set(id, upstream.map((ref) => ref.id).sort());
      refs.push(d.empty(id, { upstream }));
    }
    const compiled = compileDag(d, { splitAt: { definitionBytes: 1_048_576, historyEvents: 25_000 } });
    expect(compiled.problems).toEqual([]);
    expect(compiled.children).toBeUndefined();
    // The cut-everything path ran: many edges became gates.
    expect(compiled.asl!.split('"kind": "gate"').length - 1).toBeGreaterThan(size / 4);
    const names = new Map(compiled.manifest!.tasks.map((task) => [task.id, task.stateName]));
    const ended = tasksEndedBeforeStart(compiled.definition!, names);
    const ancestors = ancestorsOf(upstreamOf);
    for (const id of upstreamOf.keys()) expect([...ended.get(id)!].sort(), id).toEqual([...ancestors.get(id)!].sort());
  });
});
