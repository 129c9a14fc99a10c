import { resolve } from 'node:path';
import type { Command } from 'commander';
import { compileDag } from '../compiler/compile-dag.ts';
import { claimRun, RunExistsError, StoreUnwritableError } from '../local/claim-run.ts';
import { localRunProblems } from '../local/container-tasks.ts';
import { LocalStore } from '../local/local-store.ts';
import { loadProjectConfig, type ProjectConfig, unlistedRunAsProblems } from '../local/project-config.ts';
import { runAndRecord } from '../local/record-run.ts';
import { RunLockedError } from '../local/run-lock.ts';
import { LocalLimits } from '../local/slot-limits.ts';
import { subDag } from '../local/sub-dag.ts';
import { localDagTrigger } from '../local/triggered-runs.ts';
import { killAllWorkers, startWorkerEarly } from '../local/worker-pool.ts';
import { resolveParams } from '../runtime/params.ts';
import { manualRunContext } from '../runtime/run-context.ts';
import { unknownConfKeys, unknownConfKeysWarning } from '../runtime/unknown-conf-keys.ts';
import type { Dag } from '../sdk/dag.ts';
import { formatProblem } from '../sdk/errors.ts';
import type { ParamSpec } from '../sdk/params.ts';
import { interruptedLine } from './interrupted-line.ts';
import { LiveProgress } from './live-progress.ts';
import { colours } from './output.ts';
import { emulatorLines, emulatorOptions, RunAws } from './run-aws.ts';
import { loadOneDag, readConf, readSpeed, refuser } from './run-input.ts';
import { deadlineMissLine, printRunEnd } from './run-output.ts';
import { listenForStops } from './stop-signals.ts';
import { projectDagFinder } from './trigger-targets.ts';
import { drainTriggeredRuns, triggeredRunLines } from './triggered-run-lines.ts';

interface RunOptions {
  dag?: string;
  date?: string;
  conf?: string;
  taskRegex?: string;
  json?: boolean;
  speed?: string;
  /** `--emulator` true, `--no-emulator` false, neither undefined (auto). */
  emulator?: boolean;
  rerun?: boolean;
}

/** `airstep run <file>`: runs a DAG once in the local engine; exit 0 success, 1 failed, 2 bad input. */
export function registerRunCommand(program: Command): void {
  emulatorOptions(program.command('run'))
    .description('run a DAG once in the local engine (the same ASL as on AWS)')
    .argument('<file>', 'DAG file')
    .option('--dag <id>', 'the DAG to run, when the file has several')
    .option('--date <iso>', 'logical date (default: now)')
    .option('--conf <json>', 'run conf as JSON, or @file.json')
    .option('--task-regex <re>', 'run only the tasks whose ids match')
    .option('--speed <n>', 'run waits, retry delays and sensor intervals n times faster (shown in the output)')
    .option('--rerun', 'replace an ended run of the same DAG and run id (same --date); without it, it is refused')
    .option('--json', 'print one JSON document with the run and every task instance')
    .action(async (file: string, options: RunOptions) => {
      process.exitCode = await runCommand(file, options);
    });
}

async function runCommand(file: string, options: RunOptions): Promise<number> {
  const store = new LocalStore();
  const aws = new RunAws(options.emulator, store.root, emulatorLines(options.json));
  try {
    await aws.beforeWorkers(file);
    return await runInEngine(file, options, store, aws);
  } finally {
    await aws.stop();
  }
}

async function runInEngine(file: string, options: RunOptions, store: LocalStore, aws: RunAws): Promise<number> {
  const c = colours();
  const refuse = refuser(options.json, c.red);
  // A worker process starts loading the file now, beside this process loading and compiling it.
  startWorkerEarly(resolve(file));
  const picked = await loadOneDag(file, options.dag);
  if (!picked.ok) return refuse(picked.message);
  const loaded = { file: picked.value.file };
  const chosen = picked.value.dag;
  let dag: Dag = chosen;
  if (options.taskRegex !== undefined) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(options.taskRegex);
    } catch (error) {
      return refuse(`--task-regex: ${(error as Error).message}`);
    }
    dag = subDag(dag, pattern);
    if (dag.declared.tasks.size === 0)
      return refuse(`--task-regex ${options.taskRegex} matches no task of ${chosen.id}`);
  }
  const compiled = compileDag(dag, { file: loaded.file });
  if (compiled.problems.length > 0) return refuse(compiled.problems.map(formatProblem).join('\n'));
  const unsupported = localRunProblems(compiled.ir, loaded.file);
  if (unsupported.length > 0) return refuse(unsupported.map(formatProblem).join('\n'));
  let config: ProjectConfig;
  try {
    config = await loadProjectConfig();
  } catch (error) {
    return refuse((error as Error).message);
  }
  const unlisted = unlistedRunAsProblems(compiled.ir, loaded.file, config);
  if (unlisted.length > 0) return refuse(unlisted.map(formatProblem).join('\n'));

  const confInput = await readConf(options.conf);
  if (!confInput.ok) return refuse(confInput.message);
  const conf = confInput.value;
  const params = resolveParams(compiled.ir.params as Record<string, ParamSpec>, conf);
  const unknownKeys = unknownConfKeys(conf, compiled.ir.params);
  if (unknownKeys.length > 0) console.error(c.yellow(unknownConfKeysWarning(dag.id, unknownKeys, compiled.ir.params)));
  if (!params.ok) {
    return refuse(params.problems.map((p) => `${loaded.file} › dag ${dag.id} › ${p.field}: ${p.message}`).join('\n'));
  }
  const at = options.date !== undefined ? new Date(options.date) : new Date();
  if (Number.isNaN(at.getTime())) return refuse(`--date: '${options.date}' is not an ISO 8601 date or date-time`);
  const speedInput = readSpeed(options.speed);
  if (!speedInput.ok) return refuse(speedInput.message);
  const speed = speedInput.value;

  const ctx = manualRunContext({
    dagId: dag.id,
    timezone: compiled.ir.schedule.timezone,
    at,
    params: params.params,
    conf,
  });
  const limits = new LocalLimits(config.pools);
  await store.recoverInterrupted();
  // Before anything is printed: a run id another process runs, or an ended one without --rerun, is refused.
  let claim: Awaited<ReturnType<typeof claimRun>>;
  try {
    claim = await claimRun(store, { dagId: dag.id, runId: ctx.runId }, options.rerun === true ? 'replace' : 'refuse');
  } catch (error) {
    if (error instanceof RunLockedError || error instanceof RunExistsError || error instanceof StoreUnwritableError)
      return refuse(error.message);
    throw error;
  }
  try {
    await aws.beforeRun(compiled.ir.tasks);
  } catch (error) {
    await claim.release();
    return refuse((error as Error).message);
  }
  // A line per task state change everywhere (CI logs, files); the spinner under them only on a terminal.
  const live = options.json !== true ? new LiveProgress(c) : undefined;
  if (options.json !== true) {
    console.log(c.bold(`${dag.id} › ${ctx.runId}${speed !== 1 ? c.yellow(`  (clock ×${speed})`) : ''}`));
  }
  // The workers go at once (a CPU-bound task would spin on while the run unwinds); the run ends interrupted.
  const stops = listenForStops(killAllWorkers);
  // Runs its triggerDag steps start run here too, to their end (the steps may wait for them).
  const trigger = localDagTrigger({
    store,
    find: projectDagFinder(loaded.file),
    limits,
    speed,
    signal: stops.signal,
    ...(options.json !== true ? triggeredRunLines(c) : {}),
  });
  const { run, tasks, execution, assetEvents } = await runAndRecord({
    dag,
    file: loaded.file,
    ctx,
    store,
    claim,
    maxActiveTasks: compiled.ir.maxActiveTasks,
    limits,
    speed,
    signal: stops.signal,
    trigger,
    ...(compiled.manifest !== undefined ? { manifest: compiled.manifest } : {}),
    ...(live !== undefined ? { onTaskChange: live.onTaskChange } : {}),
    ...(options.json !== true
      ? { onDeadlineMiss: ({ deadline }) => console.log(c.red(deadlineMissLine(deadline.toISOString()))) }
      : {}),
  });
  live?.stop();
  await drainTriggeredRuns(trigger, c, options.json === true);
  stops.dispose();
  if (stops.cause !== undefined && options.json !== true) {
    // One line, not the grid: a stopped map may have thousands of instances (`airstep tasks` shows them).
    console.log(c.red(interruptedLine(stops.cause, run.runId, tasks)));
    return stops.exitCode(1);
  }
  // `--json` carries the asset events the run recorded (its tasks' outlets, with their extras).
  const code = printRunEnd(c, { run, execution, tasks }, options.json, { assetEvents });
  // The events are recorded; the DAGs scheduled on them run under `airstep dev` (which sees events from any process).
  if (options.json !== true)
    for (const event of assetEvents)
      console.log(
        c.dim(`asset event ${event.uri} (task ${event.sourceTaskId}): DAGs scheduled on it run in airstep dev`),
      );
  return stops.exitCode(code);
}
