/**
 * Compiler figures: compile time for DAGs of 10, 100, 1,000 and 10,000 tasks in three shapes (a chain, a wide
 * fan-out then fan-in, random DAGs with a fixed seed), with definition size and state count. Goals: a random
 * 10,000-task DAG in under 5 s of CPU, and at most 12 times the 1,000-task time for 10 times the tasks
 * (near-linear growth: the per-task column stays flat). Figures only: nothing asserts a time.
 *
 * The goal was 1 s of wall time; it is out of reach while such a DAG compiles to a parent and 30 child machines of
 * about 0.8 MB each (pretty-printing them alone costs more than half a second). Measured in December 2026 on a
 * shared 2-core machine: 7.0 s of CPU (26 s wall, the cores shared four ways), from 15-22 s of CPU before the
 * priority weights, the series split and the emitter's lookups were made linear-ish (the whole bench now ends in
 * about 10 minutes on that machine; it timed out at 15 before). The CPU time is the figure to compare.
 *
 *   npm run bench:compile            a table
 *   npm run bench:compile -- --json  one JSON document
 *
 * Each DAG is built once with the SDK, compiled until warm, then timed over several runs (the median is
 * reported), with a garbage collection before each run so one run's garbage is not billed to the next. Beside the
 * wall time, the process CPU time of the same runs (every thread, the collector's helpers included): on a busy
 * machine the wall time also counts waiting for a core, the CPU time much less so.
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type CompiledDag, compileDag } from '../lib/compiler/compile-dag.ts';
import { LIMITS } from '../lib/compiler/limits.ts';
import { type Dag, dag, type TaskRef } from '../lib/index.ts';

const json = process.argv.includes('--json');
const SIZES = [10, 100, 1_000, 10_000] as const;
const BASE_SIZE = 100;
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
    const tasks: TaskRef[] = [];
    for (let i = 0; i < n; i++) {
      const upstream = new Set<number>();
      const count = i === 0 ? 0 : Math.floor(random() * 4);
      for (let k = 0; k < count; k++) upstream.add(i - 1 - Math.floor(random() * Math.min(i, 50)));
      tasks.push(d.task(`r${i}`, { upstream: [...upstream].map((j) => tasks[j]!) }, noop));
    }
    return d;
  },
};

/** `gc()` without `--expose-gc` on the command line (the npm script runs plain `node`). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } catch {
    return () => {};
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

interface Row {
  readonly shape: string;
  readonly tasks: number;
  readonly runs: number;
  readonly ms: number;
  /** Median process CPU time of the same runs. */
  readonly cpuMs: number;
  readonly usPerTask: number;
  /** Time per task relative to the 100-task DAG of the same shape: 1 is linear growth. */
  readonly perTaskVs100: number;
  /** Time per task relative to the next smaller DAG of the same shape (10 times fewer tasks). */
  readonly perTaskVsPrevious: number | null;
  readonly states: number | undefined;
  readonly definitionBytes: number | undefined;
  readonly historyEvents: number | undefined;
  /** Set when Step Functions would refuse the definition (it is still compiled, and timed). */
  readonly overLimit?: string;
}

const gc = collector();

function timeCompile(d: Dag, size: number): { ms: number; cpuMs: number; runs: number; result: CompiledDag } {
  let result = compileDag(d);
  // Warm-up: until the code paths this DAG takes are compiled by the JIT (a few runs, at most a second).
  const warmUntil = performance.now() + 1_000;
  for (let i = 0; i < 3 && performance.now() < warmUntil; i++) result = compileDag(d);
  const runs = size >= 10_000 ? 5 : size >= 1_000 ? 9 : 31;
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    gc();
    const cpuStarted = process.cpuUsage();
    const started = performance.now();
    result = compileDag(d);
    times.push(performance.now() - started);
    const cpu = process.cpuUsage(cpuStarted);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
  }
  return { ms: median(times), cpuMs: median(cpuTimes), runs, result };
}

function overLimit(result: CompiledDag): string | undefined {
  const stats = result.manifest?.stats;
  if (stats === undefined) return undefined;
  const reasons: string[] = [];
  if (stats.definitionBytes > LIMITS.definitionBytes) {
    reasons.push(`definition ${round(stats.definitionBytes / 1_048_576, 1)} MiB > 1 MiB`);
  }
  if (stats.transitions.historyEvents > LIMITS.historyEvents) {
    reasons.push(`${stats.transitions.historyEvents} history events > ${LIMITS.historyEvents}`);
  }
  return reasons.length > 0 ? reasons.join(', ') : undefined;
}

// Every shape once at a middle size first, so the smallest DAGs are not timed while the JIT is still compiling.
for (const build of Object.values(shapes)) timeCompile(build(1_000), 1_000);

const rows: Row[] = [];
for (const [shape, build] of Object.entries(shapes)) {
  const measured: Array<Omit<Row, 'perTaskVs100' | 'perTaskVsPrevious'>> = [];
  for (const size of SIZES) {
    const { ms, cpuMs, runs, result } = timeCompile(build(size), size);
    const unexpected = result.problems.filter((problem) => problem.field !== 'tasks');
    if (unexpected.length > 0) throw new Error(`${shape} ${size}: ${unexpected.map((p) => p.message).join('; ')}`);
    const limit = overLimit(result);
    measured.push({
      shape,
      tasks: size,
      runs,
      ms: round(ms),
      cpuMs: round(cpuMs),
      usPerTask: round((ms * 1000) / size),
      states: result.manifest?.stats.states,
      definitionBytes: result.manifest?.stats.definitionBytes,
      historyEvents: result.manifest?.stats.transitions.historyEvents,
      ...(limit !== undefined ? { overLimit: limit } : {}),
    });
  }
  const base = measured.find((row) => row.tasks === BASE_SIZE)!;
  measured.forEach((row, i) => {
    const previous = measured[i - 1];
    rows.push({
      ...row,
      perTaskVs100: round(row.usPerTask / base.usPerTask),
      perTaskVsPrevious: previous !== undefined ? round(row.usPerTask / previous.usPerTask) : null,
    });
  });
}

const largest = rows.filter((row) => row.tasks === SIZES.at(-1));
const GROWTH_FROM = 1_000;
const GROWTH_TARGET = 12;
/** Shape -> time for the largest DAG over time for the 1,000-task one (10 times fewer tasks; 10 is linear). */
const growth = Object.fromEntries(
  largest.map((row) => {
    const from = rows.find((other) => other.shape === row.shape && other.tasks === GROWTH_FROM)!;
    return [row.shape, { wall: round(row.ms / from.ms, 1), cpu: round(row.cpuMs / from.cpuMs, 1) }];
  }),
);
const randomLargest = largest.find((row) => row.shape === 'random')!;
const TARGET_CPU_MS = 5_000;
const summary = {
  targetCpuMs: TARGET_CPU_MS,
  largestTasks: SIZES.at(-1)!,
  randomMs: randomLargest.ms,
  randomCpuMs: randomLargest.cpuMs,
  randomUnderTarget: randomLargest.cpuMs < TARGET_CPU_MS,
  underTarget: largest.every((row) => row.cpuMs < TARGET_CPU_MS),
  slowestShape: largest.reduce((a, b) => (b.ms > a.ms ? b : a)).shape,
  growthFromTasks: GROWTH_FROM,
  growthTarget: GROWTH_TARGET,
  growth,
  growthUnderTarget: Object.values(growth).every((ratio) => ratio.wall <= GROWTH_TARGET),
};

if (json) {
  console.log(
    JSON.stringify(
      {
        node: process.version,
        definitionLimitBytes: LIMITS.definitionBytes,
        historyEventLimit: LIMITS.historyEvents,
        rows,
        summary,
      },
      null,
      2,
    ),
  );
} else {
  console.log(`Compile time by DAG shape and size (median of the runs shown; Node ${process.version})\n`);
  const header = [
    'shape',
    'tasks',
    'runs',
    'ms',
    'cpu ms',
    'µs/task',
    '×100',
    '×prev',
    'states',
    'ASL bytes',
    'history',
  ];
  const widths = [7, 6, 5, 9, 9, 8, 6, 6, 7, 10, 8];
  const line = (cells: Array<string | number | null | undefined>, note = '') =>
    cells
      .map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]!) : String(cell ?? '-').padStart(widths[i]!)))
      .join(' ') + (note !== '' ? `  ${note}` : '');
  console.log(line(header, 'note'));
  for (const row of rows) {
    console.log(
      line(
        [
          row.shape,
          row.tasks,
          row.runs,
          row.ms,
          row.cpuMs,
          row.usPerTask,
          row.perTaskVs100,
          row.perTaskVsPrevious,
          row.states,
          row.definitionBytes,
          row.historyEvents,
        ],
        row.overLimit !== undefined ? `over the Step Functions limit (${row.overLimit}): refused, still timed` : '',
      ),
    );
  }
  console.log(
    `\n×100: time per task relative to the ${BASE_SIZE}-task DAG of the same shape (1 = linear growth); ×prev: to` +
      ' the DAG ten times smaller. Up to 1 MiB the pretty-printed ASL is produced too, so smaller DAGs pay a little more.' +
      `\n${SIZES.at(-1)!.toLocaleString('en')} tasks: ${largest.map((row) => `${row.shape} ${Math.round(row.ms)} ms`).join(', ')}` +
      ` (slowest ${summary.slowestShape}).` +
      `\nRandom ${SIZES.at(-1)!.toLocaleString('en')}-task DAG: ${Math.round(summary.randomMs)} ms` +
      ` (${Math.round(summary.randomCpuMs)} ms CPU)` +
      ` (target under ${TARGET_CPU_MS / 1000} s of CPU: ${summary.randomUnderTarget ? 'met' : 'not met'}).` +
      `\nGrowth ${GROWTH_FROM.toLocaleString('en')} -> ${SIZES.at(-1)!.toLocaleString('en')} tasks: ` +
      `${Object.entries(growth)
        .map(([shape, ratio]) => `${shape} ${ratio.wall}× (CPU ${ratio.cpu}×)`)
        .join(', ')}` +
      ` (target at most ${GROWTH_TARGET}×: ${summary.growthUnderTarget ? 'met' : 'not met'}).`,
  );
}
