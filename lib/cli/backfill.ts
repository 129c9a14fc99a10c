import type { Command } from 'commander';
import { compileDag } from '../compiler/compile-dag.ts';
import type { RunState } from '../compiler/run-states.ts';
import { localRunProblems } from '../local/container-tasks.ts';
import { LocalStore } from '../local/local-store.ts';
import { loadProjectConfig, type ProjectConfig, unlistedRunAsProblems } from '../local/project-config.ts';
import { runAndRecord } from '../local/record-run.ts';
import { LocalLimits } from '../local/slot-limits.ts';
import { resolveParams } from '../runtime/params.ts';
import { intervalRunContext } from '../runtime/run-context.ts';
import { backfillIntervals, type RunInterval, runId } from '../schedule/index.ts';
import { formatProblem } from '../sdk/errors.ts';
import type { ParamSpec } from '../sdk/params.ts';
import { colours, EXIT, printJson } from './output.ts';
import { formatDuration } from './render-grid.ts';
import { renderTable } from './render-table.ts';
import { loadOneDag, readConf, readSpeed, refuser } from './run-input.ts';
import { deadlineMissLine, paintState } from './run-output.ts';

interface BackfillOptions {
  from?: string;
  to?: string;
  dag?: string;
  reverse?: boolean;
  dryRun?: boolean;
  conf?: string;
  speed?: string;
  json?: boolean;
}

interface BackfillRun {
  readonly runId: string;
  readonly logicalDate: string;
  readonly dataIntervalStart: string;
  readonly dataIntervalEnd: string;
  state: RunState | 'planned' | 'skipped' | 'not_started';
  durationMs?: number;
  /** Why a run was skipped. */
  note?: 'already succeeded' | 'running in another process';
}

/**
 * `airstep backfill <file> --from DATE --to DATE`: runs every interval of the DAG's schedule whose logical date
 * falls in the range, in the local engine, at most `maxActiveRuns` at a time (oldest first, or newest first with
 * `--reverse`). A run that already succeeded under the same run id is skipped, so a backfill can be re-run after
 * a failure. `--dry-run` lists the runs. Exit 0 when every run succeeded, 1 otherwise, 2 on bad input.
 */
export function registerBackfillCommand(program: Command): void {
  program
    .command('backfill')
    .description("run a DAG's scheduled intervals over a date range in the local engine")
    .argument('<file>', 'DAG file')
    // Checked by the command rather than commander, so a missing date is bad input (exit 2) like a wrong one.
    .option('--from <date>', 'first logical date (required; ISO date or date-time, read in the DAG time zone)')
    .option('--to <date>', 'last logical date (required)')
    .option('--dag <id>', 'the DAG to backfill, when the file has several')
    .option('--reverse', 'newest interval first')
    .option('--dry-run', 'list the runs without running them')
    .option('--conf <json>', 'run conf for every run, as JSON or @file.json')
    .option('--speed <n>', 'run waits, retry delays and sensor intervals n times faster')
    .option('--json', 'print one JSON document with every run')
    .action(async (file: string, options: BackfillOptions) => {
      process.exitCode = await backfill(file, options);
    });
}

async function backfill(file: string, options: BackfillOptions): Promise<number> {
  const c = colours();
  const refuse = refuser(options.json, c.red);
  const { from, to } = options;
  if (from === undefined || to === undefined) return refuse('backfill needs both --from DATE and --to DATE');
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
      process.stdout.write(
        renderTable(
          ['run id', 'logical date', 'data interval'],
          runs.map((run) => [run.runId, run.logicalDate, `${run.dataIntervalStart} → ${run.dataIntervalEnd}`]),
        ),
      );
    }
    return EXIT.ok;
  }

  const store = new LocalStore();
  await store.recoverInterrupted();
  // Only runs that ended well are done; a failed or interrupted one runs again under the same id. After
  // recoverInterrupted, a run still `running` belongs to a live process (another backfill): leave it to it.
  const already = new Map<string, 'success' | 'running'>();
  for (const record of await store.runs(dag.id)) {
    if (record.state === 'success' || record.state === 'running') already.set(record.runId, record.state);
  }
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const say = (line: string) => {
    if (options.json !== true) console.log(line);
  };
  say(
    c.bold(
      `${dag.id}: backfill of ${runs.length} run${runs.length === 1 ? '' : 's'}, ${compiled.ir.maxActiveRuns} at a time`,
    ),
  );

  // Runs start in order; at most maxActiveRuns are in flight, like the scheduler's own runs.
  let next = 0;
  const worker = async () => {
    while (next < runs.length && !abort.signal.aborted) {
      const index = next++;
      const run = runs[index]!;
      const before = already.get(run.runId);
      if (before !== undefined) {
        run.state = 'skipped';
        run.note = before === 'success' ? 'already succeeded' : 'running in another process';
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
      const recorded = await runAndRecord({
        dag,
        file: picked.value.file,
        ctx,
        store,
        maxActiveTasks: compiled.ir.maxActiveTasks,
        limits,
        speed: speed.value,
        signal: abort.signal,
        ...(compiled.manifest !== undefined ? { manifest: compiled.manifest } : {}),
      });
      run.state = recorded.run.state;
      run.durationMs = Math.round(performance.now() - started);
      const missed = recorded.run.deadline !== undefined && recorded.run.deadlineMissedAt !== undefined;
      say(
        `  ${paintState(c, run.state)} ${run.runId} ${c.dim(formatDuration(run.durationMs))}` +
          (missed ? `  ${c.red(deadlineMissLine(recorded.run.deadline!))}` : ''),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(compiled.ir.maxActiveRuns, runs.length)) }, worker));
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  // Runs an interrupt kept from starting.
  for (const run of runs) if (run.state === 'planned') run.state = 'not_started';
  const ok = runs.every((run) => run.state === 'success' || run.note === 'already succeeded');
  if (options.json === true) printJson({ dagId: dag.id, ok, runs });
  else {
    process.stdout.write(
      `\n${renderTable(
        ['run id', 'state', 'duration'],
        runs.map((run) => [
          run.runId,
          run.state,
          `${run.durationMs !== undefined ? formatDuration(run.durationMs) : '-'}${run.note !== undefined ? `  (${run.note})` : ''}`,
        ]),
        (row, column, text) => (column === 1 ? paintState(c, runs[row]!.state, text) : text),
      )}`,
    );
    const counts = new Map<string, number>();
    for (const run of runs) counts.set(run.state, (counts.get(run.state) ?? 0) + 1);
    const summary = [...counts.entries()].map(([state, count]) => `${count} ${state}`).join(', ');
    console.log(ok ? c.green(`backfill done: ${summary}`) : c.red(`backfill failed: ${summary}`));
  }
  return ok ? EXIT.ok : EXIT.problems;
}
