/**
 * Big DAG figures: a 2,000-model dbt-like project (dags/_shared/dbt-like-graph.ts) compiled to a parent state
 * machine and child state machines, then run in the local engine (in-process task functions that do nothing).
 * Prints the compile time (median of several runs), how many machines and why, each machine's definition bytes
 * and estimated history events, transitions per task, and the local run's time. Figures only: nothing asserts.
 *
 *   npm run bench:bigdag              a table
 *   npm run bench:bigdag -- --json    one JSON document
 *   npm run bench:bigdag -- --models 3000
 */
import { performance } from 'node:perf_hooks';
import { dbtLikeDag } from '../dags/_shared/dbt-like-graph.ts';
import { compileDag } from '../lib/compiler/compile-dag.ts';
import { runDagLocally } from '../lib/local/run-dag.ts';
import { manualContext } from '../test/helpers/run-context.ts';

const json = process.argv.includes('--json');
const at = process.argv.indexOf('--models');
const models = at >= 0 ? Number(process.argv[at + 1]) : 2_000;
const RUNS = 3;

const dag = dbtLikeDag('dbt_like_bench', models);
const times: number[] = [];
let compiled = compileDag(dag);
for (let i = 0; i < RUNS; i++) {
  const started = performance.now();
  compiled = compileDag(dag);
  times.push(performance.now() - started);
}
if (compiled.problems.length > 0) {
  console.error(compiled.problems.map((problem) => problem.message).join('\n'));
  process.exit(1);
}
const manifest = compiled.manifest!;
const { transitions } = manifest.stats;
const machines = manifest.machines;

const runStarted = performance.now();
const run = await runDagLocally({ dag, ctx: manualContext(dag) });
const runMs = performance.now() - runStarted;

const figures = {
  models,
  edges: compiled.ir.tasks.reduce((sum, task) => sum + task.upstream.length, 0),
  compileMs: Math.round(median(times)),
  machines: 1 + (machines?.children.length ?? 0),
  why: machines?.why ?? 'one machine',
  by: machines?.by,
  parent: { definitionBytes: manifest.stats.definitionBytes, states: manifest.stats.states },
  children: (machines?.children ?? []).map((child) => ({
    name: child.name,
    tasks: child.taskIds.length,
    states: child.states,
    definitionBytes: child.definitionBytes,
    historyEvents: child.historyEvents,
  })),
  transitions: transitions.total,
  transitionsPerTask: Number((transitions.total / models).toFixed(2)),
  localRun: {
    status: run.execution.status,
    succeeded: run.tasks.filter((task) => task.state === 'success').length,
    ms: Math.round(runMs),
  },
};

if (json) {
  console.log(JSON.stringify(figures, null, 2));
} else {
  console.log(`dbt-like DAG: ${figures.models} models, ${figures.edges} edges`);
  console.log(`compile: ${figures.compileMs} ms (median of ${RUNS})`);
  console.log(
    `machines: ${figures.machines} (${figures.why}${figures.by !== undefined ? `; cut by ${figures.by}` : ''})`,
  );
  console.log(
    `  parent     ${String(figures.parent.definitionBytes).padStart(9)} bytes  ${figures.parent.states} states`,
  );
  for (const child of figures.children) {
    console.log(
      `  ${child.name.padEnd(9)}  ${String(child.definitionBytes).padStart(9)} bytes  ${child.states} states, ${child.tasks} tasks, ~${child.historyEvents} history events`,
    );
  }
  console.log(`transitions per run: ${figures.transitions} (${figures.transitionsPerTask} per task)`);
  console.log(
    `local run: ${figures.localRun.status}, ${figures.localRun.succeeded} of ${models} tasks succeeded in ${(figures.localRun.ms / 1000).toFixed(1)} s`,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
