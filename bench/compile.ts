/**
 * Compiler figures: compile time for DAGs of 10, 100, 1,000 and 10,000 tasks in three shapes (a chain, a wide
 * fan-out then fan-in, random DAGs with a fixed seed), with definition size and state count. Goal: 10,000 tasks
 * under 1 s, near-linear growth (the per-task column stays flat). Figures only: nothing asserts a time.
 *
 *   npm run bench:compile            a table
 *   npm run bench:compile -- --json  one JSON document
 */
import { performance } from 'node:perf_hooks';
import { compileDag } from '../lib/compiler/compile-dag.ts';
import { LIMITS } from '../lib/compiler/limits.ts';
import { type Dag, dag } from '../lib/index.ts';

const json = process.argv.includes('--json');
const SIZES = [10, 100, 1_000, 10_000] as const;
const noop = async () => null;

/** A small, seeded generator (mulberry32): the same random DAGs on every machine. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const shapes: Record<string, (n: number) => Dag> = {
  chain(n) {
    const d = dag({ id: `chain_${n}` });
    let previous = d.task('t0', noop);
    for (let i = 1; i < n; i++) previous = previous.then(d.task(`t${i}`, noop));
    return d;
  },
  fan(n) {
    const d = dag({ id: `fan_${n}` });
    const source = d.task('source', noop);
    const middle = Array.from({ length: n - 2 }, (_, i) => d.task(`m${i}`, { upstream: [source] }, noop));
    d.task('sink', { upstream: middle }, noop);
    return d;
  },
  random(n) {
    // Each task depends on up to three of the 50 tasks before it: wide, deep and not series-parallel.
    const random = seeded(n);
    const d = dag({ id: `random_${n}` });
    const tasks: Array<ReturnType<typeof d.task>> = [];
    for (let i = 0; i < n; i++) {
      const upstream = new Set<number>();
      const count = i === 0 ? 0 : Math.floor(random() * 4);
      for (let k = 0; k < count; k++) upstream.add(i - 1 - Math.floor(random() * Math.min(i, 50)));
      tasks.push(d.task(`r${i}`, { upstream: [...upstream].map((j) => tasks[j]!) }, noop));
    }
    return d;
  },
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const rows = [];
for (const [shape, build] of Object.entries(shapes)) {
  for (const size of SIZES) {
    const d = build(size);
    compileDag(d); // warm-up
    const runs = size >= 10_000 ? 3 : size >= 1_000 ? 5 : 20;
    const times: number[] = [];
    let result = compileDag(d);
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      result = compileDag(d);
      times.push(performance.now() - started);
    }
    const ms = median(times);
    const bytes = result.asl !== undefined ? Buffer.byteLength(result.asl) : undefined;
    const overLimit = result.problems.find((problem) => /definition|history|limit/i.test(problem.message));
    rows.push({
      shape,
      tasks: size,
      ms: round(ms),
      usPerTask: round((ms * 1000) / size),
      states: result.manifest?.stats.states,
      definitionBytes: result.manifest?.stats.definitionBytes ?? bytes,
      ...(overLimit !== undefined ? { refused: overLimit.message } : {}),
      otherProblems: result.problems.filter((problem) => problem !== overLimit).length,
    });
  }
}

if (json) {
  console.log(JSON.stringify({ node: process.version, definitionLimitBytes: LIMITS.definitionBytes, rows }, null, 2));
} else {
  console.log(`Compile time by DAG shape and size (median; Node ${process.version})\n`);
  console.log(
    `${'shape'.padEnd(7)} ${'tasks'.padStart(6)} ${'ms'.padStart(9)} ${'µs/task'.padStart(8)} ${'×100'.padStart(6)} ${'states'.padStart(7)} ${'ASL bytes'.padStart(10)}  note`,
  );
  for (const row of rows) {
    const base = rows.find((other) => other.shape === row.shape && other.tasks === 100)!;
    console.log(
      `${row.shape.padEnd(7)} ${String(row.tasks).padStart(6)} ${String(row.ms).padStart(9)} ${String(row.usPerTask).padStart(8)} ${`${round(row.usPerTask / base.usPerTask)}`.padStart(6)} ${String(row.states ?? '-').padStart(7)} ${String(row.definitionBytes ?? '-').padStart(10)}  ${row.refused !== undefined ? `refused: ${row.refused.slice(0, 70)}…` : ''}`,
    );
  }
  console.log('\n×100: time per task relative to the 100-task DAG of the same shape (1 = linear growth).');
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
