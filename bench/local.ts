/**
 * Local engine figures, side by side in one run: Airstep's interpreter against aws-local-stepfunctions on the
 * same ASL (µs per state, runs per second, the time ratio; goal: Airstep ≤ 0.66× its time); in-process hop latency
 * (upstream end -> downstream start, goal ≤ 5 ms p50); `airstep run` of the 7-task no-op DAG as a whole, cold
 * process (goal ≤ 0.7 s median), with its ratio to Airflow's `airflow dags test` of the same DAG; and the fan-out
 * hop through worker processes (upstream end -> each parallel task's code start, goal ≤ 20 ms median).
 * Figures only: nothing here asserts a time.
 *
 *   npm run bench:local                 a table
 *   npm run bench:local -- --json       one JSON document
 *   npm run bench:local -- --airflow    also installs Apache Airflow (PyPI, into bench/.airflow-venv) and times
 *                                       `airflow dags test` of bench/fixtures/noop_medallion.py; without it, the
 *                                       ratio is to the figure recorded on this machine (8.1 s, Airflow 3.3.2)
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { AslState, StateMachineDefinition } from '../lib/compiler/asl-types.ts';
import { compileDag } from '../lib/compiler/compile-dag.ts';
import { substituteLocal } from '../lib/local/dag-resources.ts';
import { runExecution, type TaskResources } from '../lib/local/interpreter.ts';
import { parseDefinition } from '../lib/local/parse-definition.ts';
import { runDagLocally } from '../lib/local/run-dag.ts';
import { TaskTokens } from '../lib/local/task-tokens.ts';
import { ensureDistBuilt } from '../test/build-dist.ts';
import noopMedallion from './fixtures/noop_medallion.ts';

// aws-local-stepfunctions 3 uses Promise.withResolvers, which Node 20 lacks.
const promiseStatics = Promise as unknown as { withResolvers?: () => unknown };
promiseStatics.withResolvers ??= () => {
  let resolve!: (value: unknown) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
const { StateMachine } = (await import('aws-local-stepfunctions')) as unknown as {
  StateMachine: new (
    definition: unknown,
    options?: unknown,
  ) => { run(input: unknown, options?: unknown): { result: Promise<unknown> } };
};

const json = process.argv.includes('--json');

interface Case {
  readonly name: string;
  readonly definition: StateMachineDefinition;
  readonly input: unknown;
  /** Task state names, answered at once by both engines. */
  readonly tasks: readonly string[];
  readonly runs: number;
}

function passChain(n: number): StateMachineDefinition {
  const States: Record<string, AslState> = {};
  for (let i = 0; i < n; i++) {
    States[`p${i}`] = {
      Type: 'Pass',
      Result: i,
      ResultPath: '$.last',
      ...(i + 1 < n ? { Next: `p${i + 1}` } : { End: true }),
    };
  }
  return { StartAt: 'p0', States };
}

function parallel(branches: number): StateMachineDefinition {
  return {
    StartAt: 'fan',
    States: {
      fan: {
        Type: 'Parallel',
        Branches: Array.from({ length: branches }, (_, i) => ({
          StartAt: `b${i}`,
          States: { [`b${i}`]: { Type: 'Pass', Result: i, End: true } },
        })),
        End: true,
      },
    },
  };
}

function map(): StateMachineDefinition {
  return {
    StartAt: 'each',
    States: {
      each: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemSelector: { 'value.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'item',
          States: { item: { Type: 'Pass', End: true } },
        },
        End: true,
      },
    },
  };
}

const medallion = compileDag(noopMedallion);
const medallionDefinition = parseDefinition(JSON.parse(substituteLocal(medallion.asl!, medallion.manifest!)));
const medallionTasks = medallion.manifest!.tasks.map((task) => task.stateName);
const ctx = {
  dagId: 'noop_medallion',
  runId: 'manual__bench',
  runType: 'manual',
  logicalDate: '2026-11-22T00:00:00Z',
  ds: '2026-11-22',
  dsNodash: '20261122',
  ts: '2026-11-22T00:00:00Z',
  dataIntervalStart: '2026-11-22T00:00:00Z',
  dataIntervalEnd: '2026-11-22T00:00:00Z',
  params: {},
  conf: {},
} as const;

const cases: Case[] = [
  { name: 'Pass chain, 1,000 states', definition: passChain(1000), input: {}, tasks: [], runs: 30 },
  { name: 'Parallel, 100 branches', definition: parallel(100), input: {}, tasks: [], runs: 100 },
  {
    name: 'Map, 1,000 items',
    definition: map(),
    input: { items: Array.from({ length: 1000 }, (_, i) => i) },
    tasks: [],
    runs: 20,
  },
  {
    name: '7-task medallion shape, no-op tasks',
    definition: medallionDefinition,
    input: { ctx, tasks: {}, gates: {} },
    tasks: medallionTasks,
    runs: 200,
  },
];

/** Answers every task at once (with the worker's `{ output, try }` shape), through the token for callbacks. */
const instantAnswer = (tokens: TaskTokens): TaskResources => ({
  invoke: async (call) => {
    const result = { output: null, try: call.retryCount + 1 };
    if (call.token !== undefined) queueMicrotask(() => tokens.sendTaskSuccess(call.token!, result));
    return result;
  },
});

async function timeAirstep(test: Case): Promise<{ ms: number; states: number }> {
  const once = async (countStates: boolean) => {
    let states = 0;
    const tokens = new TaskTokens();
    const result = await runExecution({
      definition: test.definition,
      input: test.input,
      tokens,
      resources: instantAnswer(tokens),
      // States are counted in one extra run, so the measured runs pay for no listener (neither does the reference).
      ...(countStates
        ? {
            onEvent: (event: { type: string }) => {
              if (event.type === 'StateEntered') states++;
            },
          }
        : {}),
    });
    if (result.status !== 'SUCCEEDED')
      throw new Error(`${test.name}: Airstep run ${result.status} ${result.error} ${result.cause}`);
    return states;
  };
  const states = await once(true);
  const started = performance.now();
  for (let i = 0; i < test.runs; i++) await once(false);
  return { ms: (performance.now() - started) / test.runs, states };
}

/** The context object our ASL reads (`$$.Execution.Id`, `$$.Task.Token`); the reference engine needs it mocked. */
const referenceContext = {
  Execution: {
    Id: 'arn:aws:states:local:000000000000:execution:bench:run',
    Name: 'run',
    StartTime: '2026-11-22T00:00:00Z',
  },
  Task: { Token: 'bench-token' },
  // It does not track retries in the context object; no bench case retries.
  State: { Name: 'bench', EnteredTime: '2026-11-22T00:00:00Z', RetryCount: 0 },
};

/**
 * aws-local-stepfunctions 3.0.0 stores a result under a key named "$" for `ResultPath: "$"` instead of replacing
 * the input. `"$"` is the default, so dropping it gives the same machine; only the reference's copy is changed.
 */
function withoutRootResultPath(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutRootResultPath);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, field]) => !(key === 'ResultPath' && field === '$'))
      .map(([key, field]) => [key, withoutRootResultPath(field)]),
  );
}

async function timeReference(test: Case): Promise<number> {
  const machine = new StateMachine(withoutRootResultPath(test.definition), {
    validationOptions: { checkPaths: false, checkArn: false },
  });
  const handlers = Object.fromEntries(test.tasks.map((name) => [name, async () => ({ output: null, try: 1 })]));
  const started = performance.now();
  for (let i = 0; i < test.runs; i++) {
    await machine.run(test.input, { overrides: { taskResourceLocalHandlers: handlers }, context: referenceContext })
      .result;
  }
  return (performance.now() - started) / test.runs;
}

const engineRows = [];
for (const test of cases) {
  // Warm both engines once, then measure them alternately in the same process.
  await timeAirstep({ ...test, runs: 2 });
  await timeReference({ ...test, runs: 2 });
  const airstep = await timeAirstep(test);
  const reference = await timeReference(test);
  engineRows.push({
    case: test.name,
    states: Math.round(airstep.states),
    airstepMsPerRun: round(airstep.ms),
    referenceMsPerRun: round(reference),
    airstepUsPerState: round((airstep.ms * 1000) / airstep.states),
    referenceUsPerState: round((reference * 1000) / airstep.states),
    airstepRunsPerSecond: round(1000 / airstep.ms),
    referenceRunsPerSecond: round(1000 / reference),
    ratio: round(airstep.ms / reference),
  });
}

// Hop latency: upstream end -> downstream start, with real (in-process) task functions.
const hops: number[] = [];
for (let i = 0; i < 30; i++) {
  const { tasks } = await runDagLocally({ dag: noopMedallion, ctx });
  const byId = new Map(tasks.map((task) => [task.taskId, task]));
  for (const task of medallion.ir.tasks) {
    if (task.upstream.length === 0) continue;
    const lastUpstreamEnd = Math.max(...task.upstream.map((id) => byId.get(id)!.endedAt!));
    hops.push(byId.get(task.id)!.startedAt! - lastUpstreamEnd);
  }
}
hops.sort((a, b) => a - b);
const hopLatency = {
  p50Ms: round(hops[Math.floor(hops.length / 2)]!),
  p95Ms: round(hops[Math.floor(hops.length * 0.95)]!),
  samples: hops.length,
};

// `airstep run` as a whole process, cold (a new Node process each time), from the compiled CLI as users run it.
// (A checkout from before the compiled CLI has no build: its bin/airstep.js runs the sources.)
if (existsSync('tsconfig.build.json')) await ensureDistBuilt((line) => console.error(line));
const exec = promisify(execFile);

interface CliRun {
  readonly ms: number;
  readonly tasks: ReadonlyArray<{ taskId: string; endedAt?: string; output?: unknown }>;
}

async function airstepRun(file: string): Promise<CliRun> {
  const started = performance.now();
  const { stdout } = await exec(process.execPath, ['bin/airstep.js', 'run', file, '--json'], {
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { ms: performance.now() - started, tasks: (JSON.parse(stdout) as { tasks: CliRun['tasks'] }).tasks };
}

/** Upstream task's end (as the engine saw it) -> each downstream task's code start (its `codeStartedAt`). */
function fanOutHops(run: CliRun, upstream: string): number[] {
  const end = Date.parse(run.tasks.find((task) => task.taskId === upstream)!.endedAt!);
  return run.tasks.flatMap((task) => {
    const at = (task.output as { codeStartedAt?: number } | undefined)?.codeStartedAt;
    return at !== undefined ? [at - end] : [];
  });
}

const COLD_RUNS = 7;
const cold: number[] = [];
const coldHops: number[] = [];
const warmHops: number[] = [];
let coldError: string | undefined;
try {
  for (let i = 0; i < COLD_RUNS; i++) {
    const run = await airstepRun('bench/fixtures/noop_medallion.ts');
    cold.push(run.ms);
    coldHops.push(...fanOutHops(run, 'check_raw_files'));
  }
  for (let i = 0; i < 5; i++) warmHops.push(...fanOutHops(await airstepRun('bench/fixtures/fan_out.ts'), 'start'));
} catch (error) {
  coldError = String((error as { stderr?: string }).stderr ?? error).slice(0, 500);
}
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.floor(sorted.length / 2)]!);
};
const coldRun =
  coldError === undefined
    ? {
        medianMs: median(cold),
        runs: cold.length,
        // The medallion's fan-out follows a no-op task, in a process that has just started.
        fanOutHopMedianMs: median(coldHops),
        fanOutHopSamples: coldHops.length,
      }
    : { error: coldError };
const fanOutHop =
  coldError === undefined
    ? { medianMs: median(warmHops), maxMs: round(Math.max(...warmHops)), samples: warmHops.length }
    : { error: coldError };

// Airflow's `airflow dags test` of the same DAG (bench/fixtures/noop_medallion.py): measured with --airflow,
// otherwise the figure recorded on this machine.
const AIRFLOW_VERSION = '3.3.2';
const RECORDED_AIRFLOW = { medianMs: 8100, recorded: true, version: AIRFLOW_VERSION } as const;
const airflow = process.argv.includes('--airflow') ? await timeAirflow(3) : RECORDED_AIRFLOW;
const airflowRatio =
  coldRun.medianMs !== undefined && 'medianMs' in airflow ? round(airflow.medianMs / coldRun.medianMs) : undefined;

if (json) {
  console.log(
    JSON.stringify(
      { node: process.version, engine: engineRows, hopLatency, coldRun, fanOutHop, airflow, airflowRatio },
      null,
      2,
    ),
  );
} else {
  console.log(`Local engine vs aws-local-stepfunctions (same ASL, same process, Node ${process.version})\n`);
  console.log(
    `${'case'.padEnd(38)} ${'states'.padStart(6)} ${'µs/state'.padStart(9)} ${'ref µs/state'.padStart(12)} ${'runs/s'.padStart(8)} ${'ref runs/s'.padStart(10)} ${'ratio'.padStart(6)}`,
  );
  for (const row of engineRows) {
    console.log(
      `${row.case.padEnd(38)} ${String(row.states).padStart(6)} ${String(row.airstepUsPerState).padStart(9)} ${String(row.referenceUsPerState).padStart(12)} ${String(row.airstepRunsPerSecond).padStart(8)} ${String(row.referenceRunsPerSecond).padStart(10)} ${`${row.ratio}x`.padStart(6)}`,
    );
  }
  console.log(
    `\nhop latency, in-process (upstream end -> downstream start): p50 ${hopLatency.p50Ms} ms, p95 ${hopLatency.p95Ms} ms over ${hopLatency.samples} hops`,
  );
  if ('medianMs' in coldRun && 'medianMs' in fanOutHop) {
    console.log(
      `airstep run, 7 no-op tasks, cold process: ${coldRun.medianMs} ms median of ${coldRun.runs} (goal ≤ 700 ms); its fan-out hop: ${coldRun.fanOutHopMedianMs} ms median of ${coldRun.fanOutHopSamples}`,
    );
    console.log(
      `fan-out hop (upstream end -> each parallel task's code start, worker processes, bench/fixtures/fan_out.ts): ${fanOutHop.medianMs} ms median, ${fanOutHop.maxMs} ms max of ${fanOutHop.samples} (goal ≤ 20 ms)`,
    );
    console.log(
      'error' in airflow
        ? `airflow dags test: failed: ${airflow.error}`
        : `airflow dags test (Airflow ${airflow.version}), same DAG: ${airflow.medianMs} ms${'recorded' in airflow ? ' (a figure recorded on this machine; --airflow measures it)' : ` median of ${airflow.runs}`}; airstep run takes 1/${airflowRatio} of its time (${airflowRatio}x faster)`,
    );
  } else {
    console.log(`airstep run cold: failed: ${coldError}`);
  }
}

/**
 * Installs Apache Airflow from PyPI into bench/.airflow-venv (once), then times `airflow dags test` of the same
 * DAG as whole processes, in an Airflow home of its own (its metadata database migrated first, not timed).
 */
async function timeAirflow(
  runs: number,
): Promise<{ medianMs: number; runs: number; version: string } | { error: string; version: string }> {
  const venv = join('bench', '.airflow-venv');
  const bin = (name: string) => join(venv, 'bin', name);
  try {
    if (!existsSync(bin('airflow'))) {
      console.error(`installing apache-airflow==${AIRFLOW_VERSION} into ${venv} (once; a few minutes)`);
      await exec('python3', ['-m', 'venv', venv]);
      await exec(bin('pip'), ['install', '--quiet', `apache-airflow==${AIRFLOW_VERSION}`], {
        maxBuffer: 64 * 1024 * 1024,
      });
    }
    const home = await mkdtemp(join(tmpdir(), 'airstep-bench-airflow-'));
    await mkdir(join(home, 'dags'));
    await copyFile(join('bench', 'fixtures', 'noop_medallion.py'), join(home, 'dags', 'noop_medallion.py'));
    const env = {
      ...process.env,
      AIRFLOW_HOME: home,
      AIRFLOW__CORE__DAGS_FOLDER: join(home, 'dags'),
      AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    };
    await exec(bin('airflow'), ['db', 'migrate'], { env, maxBuffer: 64 * 1024 * 1024 });
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await exec(bin('airflow'), ['dags', 'test', 'noop_medallion', '2026-11-22'], {
        env,
        maxBuffer: 64 * 1024 * 1024,
      });
      times.push(performance.now() - started);
    }
    return { medianMs: median(times), runs, version: AIRFLOW_VERSION };
  } catch (error) {
    return { error: String((error as { stderr?: string }).stderr ?? error).slice(-500), version: AIRFLOW_VERSION };
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
