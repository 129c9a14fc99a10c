import type { Command } from 'commander';
import { compileDag } from '../compiler/compile-dag.ts';
import { instanceKey } from '../compiler/worker-contract.ts';
import { claimRun } from '../local/claim-run.ts';
import { localRunProblems } from '../local/container-tasks.ts';
import { LocalRunHistory } from '../local/local-run-history.ts';
import { LocalStore } from '../local/local-store.ts';
import { loadProjectConfig, type ProjectConfig } from '../local/project-config.ts';
import { runAndRecord } from '../local/record-run.ts';
import { type RunLock, RunLockedError } from '../local/run-lock.ts';
import { LocalLimits } from '../local/slot-limits.ts';
import { localDagTrigger } from '../local/triggered-runs.ts';
import { clearPlan } from '../runs/clear-plan.ts';
import { formatProblem } from '../sdk/errors.ts';
import { type CloudStackOptions, cloudStackOptions, wantsCloud } from './cloud-stack.ts';
import { pickRun } from './history/run-history.ts';
import { LiveProgress } from './live-progress.ts';
import { colours, EXIT, printJson } from './output.ts';
import { emulatorLines, RunAws } from './run-aws.ts';
import { loadOneDag, readSpeed, refuser } from './run-input.ts';
import { printRunEnd } from './run-output.ts';
import { projectDagFinder } from './trigger-targets.ts';
import { drainTriggeredRuns, triggeredRunLines } from './triggered-run-lines.ts';

type ClearOptions = CloudStackOptions & {
  dag?: string;
  task?: string;
  downstream?: boolean;
  failed?: boolean;
  dryRun?: boolean;
  speed?: string;
  json?: boolean;
  /** `--emulator` / `--no-emulator` (local runs); neither: auto. */
  emulator?: boolean;
  /** `--no-wait` (deployed runs): return once the new execution started. */
  wait?: boolean;
};

/**
 * `airstep clear <run>`: Airflow's Clear. Runs an ended run again as the same run, re-running the chosen task
 * instances (by default the failed, upstream_failed and interrupted ones; `--failed` only the failed; `--task` by id; with
 * `--downstream` everything downstream of them) and keeping what succeeded: kept instances are answered at once
 * with their recorded results (lib/runtime/kept-task.ts), so their code does not run again. Try numbers go on.
 * Exit 0 when the run ends success, 1 when it ends failed, 2 for bad input (nothing changed). With `--stack` /
 * `--outputs` the same plan runs on the deployed stack (lib/cli/cloud-clear.ts).
 */
export function registerClearCommand(program: Command): void {
  cloudStackOptions(
    program
      .command('clear')
      .description('re-run the failed (or chosen) task instances of an ended run, keeping what succeeded')
      .argument('<run>', 'run id, or a unique prefix of it')
      .option('--dag <id>', 'the DAG of the run')
      .option('--task <regex>', 'clear the tasks whose ids match (any state; with --failed only failed ones)')
      .option('--downstream', 'also clear every task downstream of the cleared ones')
      .option('--failed', 'clear only failed instances (default: failed, upstream_failed and interrupted)')
      .option('--dry-run', 'show what would be cleared and kept; change nothing')
      .option('--speed <n>', 'run waits, retry delays and sensor intervals n times faster (local runs)')
      .option('--emulator', 'start the embedded AWS emulator even when AWS is configured (local runs)')
      .option('--no-emulator', 'never start the embedded AWS emulator (local runs)')
      .option('--no-wait', 'with --stack: return once the new execution started, without waiting for its end'),
  )
    .option('--json', 'print one JSON document')
    .action(async (runId: string, options: ClearOptions) => {
      process.exitCode = await clearCommand(runId, options);
    });
}

async function clearCommand(runId: string, options: ClearOptions): Promise<number> {
  const c = colours();
  const refuse = refuser(options.json, colours(process.stderr).red);
  let task: RegExp | undefined;
  if (options.task !== undefined) {
    try {
      task = new RegExp(options.task);
    } catch (error) {
      return refuse(`--task: ${(error as Error).message}`);
    }
  }
  if (wantsCloud(options)) {
    if (options.speed !== undefined) return refuse('--speed applies to the local engine only');
    if (options.emulator !== undefined) return refuse('--emulator / --no-emulator apply to the local engine only');
    // The AWS SDK clients load only when a command works on the deployed stack.
    const { cloudClear } = await import('./cloud-clear.ts');
    const { task: _pattern, speed: _speed, ...rest } = options;
    return cloudClear(runId, { ...rest, ...(task !== undefined ? { task } : {}) }, refuse);
  }
  if (options.wait === false) return refuse('--no-wait applies to a deployed run (--stack / --outputs) only');
  const speed = readSpeed(options.speed);
  if (!speed.ok) return refuse(speed.message);

  const store = new LocalStore();
  const history = await LocalRunHistory.open(store);
  const picked = await pickRun(history, runId, options.dag);
  if (!picked.ok) return refuse(picked.message);
  const run = (await history.findRuns(picked.run.runId, picked.run.dagId))[0]!;
  const name = `${run.dagId} › ${run.runId}`;
  if (run.state === 'running' || run.state === 'queued') {
    return refuse(`${name} is still ${run.state}: clear an ended run (wait for it, or stop it with Ctrl-C)`);
  }
  if (run.ctx === undefined) {
    return refuse(`${name} was recorded before airstep clear kept a run's context; run it again with airstep run`);
  }
  const loaded = await loadOneDag(run.file, run.dagId);
  if (!loaded.ok) return refuse(`${name}: ${loaded.message}`);
  const { dag, file } = loaded.value;
  const compiled = compileDag(dag, { file });
  if (compiled.problems.length > 0 || compiled.manifest === undefined) {
    return refuse(compiled.problems.map(formatProblem).join('\n'));
  }
  const unsupported = localRunProblems(compiled.ir, file);
  if (unsupported.length > 0) return refuse(unsupported.map(formatProblem).join('\n'));
  let config: ProjectConfig;
  try {
    config = await loadProjectConfig();
  } catch (error) {
    return refuse((error as Error).message);
  }

  const records = await history.tasks(run);
  const plan = clearPlan({
    manifest: compiled.manifest,
    instances: records,
    choice: {
      ...(task !== undefined ? { task } : {}),
      downstream: options.downstream === true,
      onlyFailed: options.failed === true,
    },
    previousClears: run.clears ?? 0,
  });
  if (!plan.ok) return refuse(`${file} › ${plan.message}`);
  const keptKeys = Object.keys(plan.clear.kept).sort();
  if (options.dryRun === true) {
    if (options.json === true) printJson({ run, dryRun: true, cleared: plan.cleared, kept: keptKeys });
    else {
      console.log(`${name} (${run.state}): would clear ${plan.cleared.join(', ')}`);
      console.log(c.dim(`keeps ${keptKeys.length > 0 ? keptKeys.join(', ') : 'nothing'}`));
    }
    return EXIT.ok;
  }

  // The lock is taken before anything is printed: a run another process is running again is refused.
  let claim: RunLock;
  try {
    claim = await claimRun(store, run, 'keep');
  } catch (error) {
    if (error instanceof RunLockedError) return refuse(error.message);
    throw error;
  }
  // Task code and native steps that use AWS get the embedded emulator when no AWS is configured, as `run` does;
  // its state under .airstep/emulator/ still holds what the kept tasks wrote.
  const aws = new RunAws(options.emulator, store.root, emulatorLines(options.json));
  try {
    await aws.prepare(file, compiled.ir.tasks);
  } catch (error) {
    await aws.stop();
    await claim.release();
    return refuse((error as Error).message);
  }
  const keptRecords = records.filter((record) => instanceKey(record.taskId, record.mapIndex) in plan.clear.kept);
  // A line per task state change everywhere (CI logs, files); the spinner under them only on a terminal.
  const live = options.json !== true ? new LiveProgress(c) : undefined;
  if (options.json !== true) {
    console.log(c.bold(`${name}: clearing ${plan.cleared.join(', ')} (clear ${plan.clear.attempt})`));
  }
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const limits = new LocalLimits(config.pools);
  // A cleared triggerDag step finds the run it started (its run id is fixed per run and task); a new one runs here.
  const trigger = localDagTrigger({
    store,
    find: projectDagFinder(file),
    limits,
    speed: speed.value,
    signal: abort.signal,
    ...(options.json !== true ? triggeredRunLines(c) : {}),
  });
  const recorded = await runAndRecord({
    dag,
    file,
    ctx: { ...run.ctx, clear: plan.clear },
    store,
    claim,
    maxActiveTasks: compiled.ir.maxActiveTasks,
    limits,
    speed: speed.value,
    signal: abort.signal,
    manifest: compiled.manifest,
    keptRecords,
    trigger,
    ...(live !== undefined ? { onTaskChange: live.onTaskChange } : {}),
  })
    .then(async (ended) => {
      live?.stop();
      await drainTriggeredRuns(trigger, c, options.json === true);
      return ended;
    })
    .finally(() => aws.stop());
  live?.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return printRunEnd(c, recorded, options.json, { cleared: plan.cleared, kept: keptKeys });
}
