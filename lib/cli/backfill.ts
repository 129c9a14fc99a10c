import type { Command } from 'commander';
import { compileDag } from '../compiler/compile-dag.ts';
import { claimRun, RunExistsError } from '../local/claim-run.ts';
import { localRunProblems } from '../local/container-tasks.ts';
import { LocalStore, type RunRecord } from '../local/local-store.ts';
import { loadProjectConfig, type ProjectConfig, unlistedRunAsProblems } from '../local/project-config.ts';
import { runAndRecord } from '../local/record-run.ts';
import { RunLockedError } from '../local/run-lock.ts';
import { LocalLimits } from '../local/slot-limits.ts';
import { localDagTrigger } from '../local/triggered-runs.ts';
import { killAllWorkers } from '../local/worker-pool.ts';
import { resolveParams } from '../runtime/params.ts';
import { intervalRunContext } from '../runtime/run-context.ts';
import { backfillIntervals, type RunInterval, runId } from '../schedule/index.ts';
import { formatProblem } from '../sdk/errors.ts';
import type { ParamSpec } from '../sdk/params.ts';
import {
  type BackfillRun,
  backfillPlanTable,
  backfillSucceeded,
  backfillSummary,
} from './backfill/backfill-summary.ts';
import { backfillDecision, readReprocess } from './backfill/reprocess.ts';
import { cloudStackOptions, wantsCloud } from './cloud-stack.ts';
import { colours, EXIT, printJson } from './output.ts';
import { formatDuration } from './render-grid.ts';
import { emulatorLines, RunAws } from './run-aws.ts';
import { loadOneDag, readConf, readSpeed, refuser } from './run-input.ts';
import { deadlineMissLine, paintState } from './run-output.ts';
import { listenForStops } from './stop-signals.ts';
import { projectDagFinder } from './trigger-targets.ts';
import { drainTriggeredRuns, triggeredRunLines } from './triggered-run-lines.ts';

export interface BackfillOptions {
  from?: string;
  to?: string;
  dag?: string;
  reverse?: boolean;
  dryRun?: boolean;
  reprocess?: string;
  conf?: string;
  speed?: string;
  /** `--emulator` / `--no-emulator` (local); neither: auto. */
  emulator?: boolean;
  /** False with `--no-wait`. */
  wait?: boolean;
  stack?: string;
  outputs?: string;
  json?: boolean;
}

/**
 * `airstep backfill <file> --from DATE --to DATE`: runs every interval of the DAG's schedule whose logical date
 * falls in the range, in the local engine, at most `maxActiveRuns` at a time (oldest first, or newest first with
 * `--reverse`). An interval whose run exists is left alone unless `--reprocess` says otherwise (Airflow 3's
 * `reprocess_behavior`, see backfill/reprocess.ts). `--dry-run` lists the runs. Exit 0 when every run
 * succeeded, 1 otherwise, 2 on bad input. With `--stack` or `--outputs` the argument is a deployed DAG's id and
 * the runs start in the cloud (cloud-backfill.ts).
 */
export function registerBackfillCommand(program: Command): void {
  cloudStackOptions(
    program
      .command('backfill')
      .description(
        "run a DAG's scheduled intervals over a date range (local engine; with --stack/--outputs, the deployed DAG)",
      )
      .argument('<file|dag>', 'DAG file (local), or the deployed DAG id (with --stack or --outputs)')
      // Checked by the command rather than commander, so a missing date is bad input (exit 2) like a wrong one.
      .option('--from <date>', 'first logical date (required; ISO date or date-time, read in the DAG time zone)')
      .option('--to <date>', 'last logical date (required)')
      .option('--dag <id>', 'the DAG to backfill, when the file has several (local)')
      .option('--reverse', 'newest interval first')
      .option('--dry-run', 'list the runs without running them')
      .option(
        '--reprocess <behavior>',
        'an interval whose run exists: none (leave it; default, as Airflow), failed (run failed ones again), ' +
          'completed (run every ended one again)',
      )
      .option('--conf <json>', 'run conf for every run, as JSON or @file.json')
      .option('--speed <n>', 'run waits, retry delays and sensor intervals n times faster (local)')
      .option('--emulator', 'start the embedded AWS emulator even when AWS is configured (local)')
      .option('--no-emulator', 'never start the embedded AWS emulator (local)')
      .option('--no-wait', 'start the runs and print their ids without waiting for them to end (cloud)'),
  )
    .option('--json', 'print one JSON document with every run')
    .action(async (target: string, options: BackfillOptions) => {
      process.exitCode = wantsCloud(options)
        ? await (await import('./cloud-backfill.ts')).cloudBackfill(target, options)
        : await backfill(target, options);
    });
}

async function backfill(file: string, options: BackfillOptions): Promise<number> {
  const c = colours();
  const refuse = refuser(options.json, c.red);
  const { from, to } = options;
  if (from === undefined || to === undefined) return refuse('backfill needs both --from DATE and --to DATE');
  // The local engine runs the backfill in this process: there is nothing to leave running.
  if (options.wait === false)
    return refuse('--no-wait is for a deployed stack (--stack or --outputs): a local backfill runs in this process');
  const reprocess = readReprocess(options.reprocess);
  if (!reprocess.ok) return refuse(reprocess.message);
  const picked = await loadOneDag(file, options.dag);
  if (!picked.ok) return refuse(picked.message);
  const { dag } = picked.value;
  const compiled = compileDag(dag, { file: picked.value.file });
  if (compiled.problems.length > 0) return refuse(compiled.problems.map(formatProblem).join('\n'));
  const unsupported = localRunProblems(compiled.ir, picked.value.file);
  if (unsupported.length > 0) return refuse(unsupported.map(formatProblem).join('\n'));
  const conf = await readConf(options.conf);
  if (!conf.ok) return refuse(conf.message);
  const speed = readSpeed(options.speed);
  if (!speed.ok) return refuse(speed.message);
  const params = resolveParams(compiled.ir.params as Record<string, ParamSpec>, conf.value);
  if (!params.ok) {
    return refuse(
      params.problems.map((p) => `${picked.value.file} › dag ${dag.id} › ${p.field}: ${p.message}`).join('\n'),
    );
  }
  let intervals: RunInterval[];
  try {
    intervals = backfillIntervals(compiled.ir.schedule, from, to, {
      reverse: options.reverse === true,
    });
  } catch (error) {
    return refuse(
      `${picked.value.file} › dag ${dag.id} › ${(error as { field?: string }).field ?? 'schedule'}: ${(error as Error).message}`,
    );
  }
  let config: ProjectConfig;
  try {
    config = await loadProjectConfig();
  } catch (error) {
    return refuse((error as Error).message);
  }
  const unlisted = unlistedRunAsProblems(compiled.ir, picked.value.file, config);
  if (unlisted.length > 0) return refuse(unlisted.map(formatProblem).join('\n'));
  const limits = new LocalLimits(config.pools);

  const runs: BackfillRun[] = intervals.map((interval) => ({
    runId: runId('backfill', interval.logicalDate),
    logicalDate: interval.logicalDate,
    dataIntervalStart: interval.dataIntervalStart,
    dataIntervalEnd: interval.dataIntervalEnd,
    state: 'planned',
  }));
  if (options.dryRun === true) {
    if (options.json === true) printJson({ dagId: dag.id, runs });
    else {
      console.log(
        c.bold(
          `${dag.id}: ${runs.length} run${runs.length === 1 ? '' : 's'} from ${from} to ${to}` +
            ` (dry run: nothing runs)`,
        ),
      );
      process.stdout.write(backfillPlanTable(runs));
    }
    return EXIT.ok;
  }

  const store = new LocalStore();
  // Task code and native steps that use AWS get the embedded emulator when no AWS is configured, as `run` does.
  const aws = new RunAws(options.emulator, store.root, emulatorLines(options.json));
  try {
    await aws.prepare(picked.value.file, compiled.ir.tasks);
  } catch (error) {
    await aws.stop();
    return refuse((error as Error).message);
  }
  await store.recoverInterrupted();
  // After recoverInterrupted, a run still `running` belongs to a live process (another backfill): it is left
  // to it, whatever --reprocess says; an ended one runs again only when --reprocess asks for it.
  const already = new Map<string, RunRecord['state']>();
  for (const record of await store.runs(dag.id)) already.set(record.runId, record.state);
  // As `airstep run`: the first SIGINT/SIGTERM kills the workers and ends the running runs interrupted.
  const stops = listenForStops(killAllWorkers);
  const abort = { signal: stops.signal };
  const say = (line: string) => {
    if (options.json !== true) console.log(line);
  };
  say(
    c.bold(
      `${dag.id}: backfill of ${runs.length} run${runs.length === 1 ? '' : 's'}, ${compiled.ir.maxActiveRuns} at a time`,
    ),
  );

  // The runs their triggerDag steps start run in this process too, to their end.
  const trigger = localDagTrigger({
    store,
    find: projectDagFinder(picked.value.file),
    limits,
    speed: speed.value,
    signal: abort.signal,
    ...(options.json !== true ? triggeredRunLines(c) : {}),
  });
  // Runs start in order; at most maxActiveRuns are in flight, like the scheduler's own runs.
  let next = 0;
  let claims: Promise<void> = Promise.resolve();
  const worker = async () => {
    while (next < runs.length && !abort.signal.aborted) {
      const index = next++;
      const run = runs[index]!;
      const decision = backfillDecision(already.get(run.runId), reprocess.value);
      if (decision.action === 'skip') {
        run.state = 'skipped';
        run.note = decision.note;
        say(`  ${c.dim('skipped')} ${run.runId} ${c.dim(`(${run.note})`)}`);
        continue;
      }
      run.state = 'running';
      say(`  ${c.yellow('running')} ${run.runId}`);
      const ctx = intervalRunContext({
        dagId: dag.id,
        timezone: compiled.ir.schedule.timezone,
        interval: intervals[index]!,
        runType: 'backfill',
        schedule: compiled.ir.schedule,
        params: params.params,
        conf: conf.value,
      });
      const started = performance.now();
      let recorded: Awaited<ReturnType<typeof runAndRecord>>;
      try {
        // Runs are claimed one after the other, so they also start (and record their start) in backfill order.
        // The plan above chose to run it again (--reprocess); a run another process made since is left to it.
        const claiming = claims.then(() => claimRun(store, ctx, already.has(run.runId) ? 'replace' : 'refuse'));
        claims = claiming.then(
          () => undefined,
          () => undefined,
        );
        const claim = await claiming;
        recorded = await runAndRecord({
          dag,
          file: picked.value.file,
          ctx,
          store,
          claim,
          maxActiveTasks: compiled.ir.maxActiveTasks,
          limits,
          speed: speed.value,
          signal: abort.signal,
          trigger,
          ...(compiled.manifest !== undefined ? { manifest: compiled.manifest } : {}),
        });
      } catch (error) {
        if (!(error instanceof RunLockedError || error instanceof RunExistsError)) throw error;
        run.state = 'skipped';
        run.note = error instanceof RunLockedError ? 'running' : 'state unknown';
        say(`  ${c.dim('skipped')} ${run.runId} ${c.dim(`(${run.note})`)}`);
        continue;
      }
      run.state = recorded.run.state;
      run.durationMs = Math.round(performance.now() - started);
      const missed = recorded.run.deadline !== undefined && recorded.run.deadlineMissedAt !== undefined;
      say(
        `  ${paintState(c, run.state)} ${run.runId} ${c.dim(formatDuration(run.durationMs))}` +
          (missed ? `  ${c.red(deadlineMissLine(recorded.run.deadline!))}` : ''),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(compiled.ir.maxActiveRuns, runs.length)) }, worker))
    .then(() => drainTriggeredRuns(trigger, c, options.json === true))
    .finally(() => aws.stop());
  stops.dispose();

  // Runs an interrupt kept from starting.
  for (const run of runs) if (run.state === 'planned') run.state = 'not_started';
  const ok = backfillSucceeded(runs);
  if (options.json === true) printJson({ dagId: dag.id, ok, runs });
  else process.stdout.write(backfillSummary(c, runs));
  return stops.exitCode(ok ? EXIT.ok : EXIT.problems);
}
