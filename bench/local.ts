/**
 * Local engine figures, side by side on the same ASL in one run: Airstep's interpreter against
 * aws-local-stepfunctions. Prints µs per state, runs per second and the time ratio (goal: Airstep ≤ 0.66× its
 * time), then `airstep run` of a 7-task no-op DAG as a whole process (cold), and hop latency (upstream end ->
 * downstream start, goal ≤ 5 ms p50). Figures only: nothing here asserts a time.
 *
 *   npm run bench:local            a table
 *   npm run bench:local -- --json  one JSON document
 */
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { AslState, StateMachineDefinition } from '../lib/compiler/asl-types.ts';
import { compileDag } from '../lib/compiler/compile-dag.ts';
import { substituteLocal } from '../lib/local/dag-resources.ts';
import { runExecution, type TaskResources } from '../lib/local/interpreter.ts';
import { parseDefinition } from '../lib/local/parse-definition.ts';
import { runDagLocally } from '../lib/local/run-dag.ts';
import { TaskTokens } from '../lib/local/task-tokens.ts';
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

// `airstep run` of the 7-task no-op DAG as a whole process, cold (a new Node process each time).
const exec = promisify(execFile);
const cold: number[] = [];
let coldError: string | undefined;
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  try {
    await exec(process.execPath, ['bin/airstep.js', 'run', 'bench/fixtures/noop_medallion.ts', '--json'], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    cold.push(performance.now() - started);
  } catch (error) {
    coldError = String((error as { stderr?: string }).stderr ?? error).slice(0, 500);
    break;
  }
}
cold.sort((a, b) => a - b);
const coldRun =
  cold.length > 0 ? { medianMs: round(cold[Math.floor(cold.length / 2)]!), runs: cold.length } : { error: coldError };

if (json) {
  console.log(JSON.stringify({ node: process.version, engine: engineRows, hopLatency, coldRun }, null, 2));
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
    `\nhop latency (upstream end -> downstream start): p50 ${hopLatency.p50Ms} ms, p95 ${hopLatency.p95Ms} ms over ${hopLatency.samples} hops`,
  );
  console.log(
    'medianMs' in coldRun
      ? `airstep run, 7 no-op tasks, cold process: ${coldRun.medianMs} ms median of ${coldRun.runs}`
      : `airstep run cold: failed: ${coldRun.error}`,
  );
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
