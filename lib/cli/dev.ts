import { existsSync, type FSWatcher, readdirSync, statSync, watch } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { type CompiledDag, compileDag } from '../compiler/compile-dag.ts';
import { scheduleSpecOf } from '../compiler/schedule-check.ts';
import { LocalScheduler } from '../local/local-scheduler.ts';
import { LocalStore } from '../local/local-store.ts';
import { loadProjectConfig } from '../local/project-config.ts';
import { runAndRecord } from '../local/record-run.ts';
import { LocalLimits } from '../local/slot-limits.ts';
import { resolveParams } from '../runtime/params.ts';
import { intervalRunContext } from '../runtime/run-context.ts';
import type { Dag } from '../sdk/dag.ts';
import { formatProblem } from '../sdk/errors.ts';
import type { ParamSpec } from '../sdk/params.ts';
import { dagFilesUnder, displayPath, isDagFileName, loadDagFile } from './load-dags.ts';
import { colours, EXIT } from './output.ts';
import { formatDuration } from './render-grid.ts';
import { readSpeed } from './run-input.ts';
import { paintState, taskChangeLine } from './run-output.ts';

interface DevOptions {
  speed?: string;
  schedule: boolean;
}

interface LiveDag {
  readonly dag: Dag;
  readonly compiled: CompiledDag;
  readonly file: string;
}

/** How long a file must stay quiet after a change before it is loaded again (editors write in bursts). */
const DEBOUNCE_MS = 80;
/** How often the scheduler looks for due runs. */
const TICK_MS = 1000;

/**
 * `airstep dev [paths…]`: validates every DAG file, watches them and validates a saved file again at once, and
 * runs scheduled DAGs on their schedule in the local engine (catchup as configured), with the live lines of
 * `airstep run`. A file that fails to load stops only its own DAGs. Ctrl-C stops everything: running runs end as
 * interrupted.
 *
 * A changed file is imported again under a new version query; the module loader cannot unload the old version, so
 * memory grows by one module per save (small for a DAG file, and a dev session is short-lived). Helpers the DAG
 * file imports are not reloaded: restart `dev` after changing them.
 */
export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('watch DAG files, validate them on save, and run scheduled DAGs locally on their schedule')
    .argument('[paths...]', 'DAG files or folders', ['dags'])
    .option('--speed <n>', 'run waits, retry delays and sensor intervals n times faster (not the schedule)')
    .option('--no-schedule', 'only validate on save; run nothing')
    .action(async (paths: string[], options: DevOptions) => {
      process.exitCode = await dev(paths, options);
    });
}

async function dev(paths: string[], options: DevOptions): Promise<number> {
  const c = colours();
  const speed = readSpeed(options.speed);
  if (!speed.ok) {
    console.error(c.red(speed.message));
    return EXIT.usage;
  }
  let limits: LocalLimits;
  try {
    limits = new LocalLimits((await loadProjectConfig()).pools);
  } catch (error) {
    console.error(c.red((error as Error).message));
    return EXIT.usage;
  }
  const roots = paths.map((path) => resolve(path));
  const missing = roots.filter((root) => !existsSync(root));
  if (missing.length > 0) {
    console.error(c.red(`not found: ${missing.map(displayPath).join(', ')}`));
    return EXIT.usage;
  }

  const store = new LocalStore();
  await store.recoverInterrupted();
  const scheduler = new LocalScheduler();
  const byFile = new Map<string, LiveDag[]>();
  const abort = new AbortController();
  const running = new Set<Promise<void>>();
  let version = 0;

  const load = async (absolute: string): Promise<void> => {
    const started = performance.now();
    const previous = byFile.get(absolute) ?? [];
    if (!existsSync(absolute)) {
      for (const live of previous) scheduler.remove(live.dag.id);
      byFile.delete(absolute);
      if (previous.length > 0) console.log(`${c.dim('-')} ${displayPath(absolute)} ${c.dim('removed')}`);
      return;
    }
    const loaded = await loadDagFile(absolute, { version: String(++version) });
    const problems = loaded.errors.map((e) => `${e.file}${e.line !== undefined ? `:${e.line}` : ''} › ${e.message}`);
    const good: LiveDag[] = [];
    for (const dag of loaded.dags) {
      const compiled = compileDag(dag, { file: loaded.file });
      if (compiled.problems.length > 0) problems.push(...compiled.problems.map(formatProblem));
      else good.push({ dag, compiled, file: loaded.file });
    }
    const ms = `${Math.round(performance.now() - started)} ms`;
    if (problems.length === 0) {
      console.log(`${c.green('✓')} ${loaded.file} ${c.dim(`${good.map((live) => live.dag.id).join(', ')} (${ms})`)}`);
    } else {
      console.log(`${c.red('✗')} ${loaded.file} ${c.dim(`(${ms})`)}`);
      for (const problem of problems) console.log(`    ${c.red(problem)}`);
    }
    // A broken file's DAGs stop being scheduled until it loads again; other files are untouched.
    const kept = new Set(good.map((live) => live.dag.id));
    for (const live of previous) if (!kept.has(live.dag.id)) scheduler.remove(live.dag.id);
    byFile.set(absolute, good);
    for (const live of good) {
      if (live.compiled.ir.schedule.expression === null) continue;
      scheduler.set(
        {
          dagId: live.dag.id,
          spec: scheduleSpecOf(live.compiled.ir.schedule),
          maxActiveRuns: live.compiled.ir.maxActiveRuns,
        },
        await lastScheduledLogicalDate(store, live.dag.id),
      );
    }
  };

  const files = (await Promise.all(roots.map((root) => dagFilesUnder(root)))).flat().map((file) => resolve(file));
  for (const file of files) await load(file);
  console.log(
    c.dim(
      `watching ${roots.map((root) => displayPath(root) || '.').join(', ')}${options.schedule ? '; scheduled DAGs run locally' : ''} (Ctrl-C to stop)`,
    ),
  );

  // Watch every folder under the roots (or a file root's folder) and reload a DAG file once it is quiet. Each
  // folder is watched on its own: Node 20's recursive watch on Linux loses files that editors replace on save.
  const pending = new Map<string, NodeJS.Timeout>();
  const onChange = (folder: string, root: string) => (_event: string, name: string | Buffer | null) => {
    if (name === null) return;
    const absolute = join(folder, name.toString());
    if (!isDagFileName(basename(absolute))) return;
    if (!statSync(root).isDirectory() && absolute !== root) return;
    clearTimeout(pending.get(absolute));
    pending.set(
      absolute,
      setTimeout(() => {
        pending.delete(absolute);
        void load(absolute);
      }, DEBOUNCE_MS),
    );
  };
  const watchers: FSWatcher[] = roots.flatMap((root) =>
    (statSync(root).isDirectory() ? foldersUnder(root) : [dirname(root)]).map((folder) =>
      watch(folder, onChange(folder, root)),
    ),
  );

  const startRun = (live: LiveDag, interval: Parameters<typeof intervalRunContext>[0]['interval']) => {
    const params = resolveParams(live.compiled.ir.params as Record<string, ParamSpec>, {});
    if (!params.ok) {
      console.log(
        c.red(`${live.dag.id}: params: ${params.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`),
      );
      scheduler.finished(live.dag.id);
      return;
    }
    const ctx = intervalRunContext({
      dagId: live.dag.id,
      timezone: live.compiled.ir.schedule.timezone,
      interval,
      runType: 'scheduled',
      params: params.params,
      conf: {},
    });
    console.log(c.bold(`${live.dag.id} › ${ctx.runId}`));
    const started = performance.now();
    const done = runAndRecord({
      dag: live.dag,
      file: live.file,
      ctx,
      store,
      maxActiveTasks: live.compiled.ir.maxActiveTasks,
      limits,
      speed: speed.value,
      signal: abort.signal,
      onTaskChange: (task) => console.log(`${c.dim(`${live.dag.id} ›`)}${taskChangeLine(c, task)}`),
    })
      .then(({ run }) => {
        console.log(
          `${paintState(c, run.state, `${live.dag.id} › ${run.runId} ${run.state}`)} ${c.dim(formatDuration(performance.now() - started))}`,
        );
      })
      .catch((error: Error) => console.log(c.red(`${live.dag.id} › ${ctx.runId}: ${error.message}`)))
      .finally(() => {
        scheduler.finished(live.dag.id);
        running.delete(done);
      });
    running.add(done);
  };

  const tick = () => {
    if (!options.schedule || abort.signal.aborted) return;
    const lives = new Map([...byFile.values()].flat().map((live) => [live.dag.id, live]));
    for (const due of scheduler.tick(new Date())) {
      const live = lives.get(due.dagId);
      if (live === undefined) scheduler.finished(due.dagId);
      else startRun(live, due.interval);
    }
  };
  tick();
  const ticker = setInterval(tick, TICK_MS);

  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  console.log(c.dim('\nstopping…'));
  clearInterval(ticker);
  for (const timer of pending.values()) clearTimeout(timer);
  for (const watcher of watchers) watcher.close();
  abort.abort();
  await Promise.all([...running]);
  return EXIT.ok;
}

/** A folder and the folders below it that may hold DAG files (not `_` or `.` folders, not node_modules). */
function foldersUnder(folder: string): string[] {
  const below = readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !/^[_.]/.test(entry.name) && entry.name !== 'node_modules')
    .flatMap((entry) => foldersUnder(join(folder, entry.name)));
  return [folder, ...below];
}

/** The newest logical date among a DAG's scheduled runs in the store, so a restarted `dev` resumes after it. */
async function lastScheduledLogicalDate(store: LocalStore, dagId: string): Promise<string | undefined> {
  let latest: { at: number; logicalDate: string } | undefined;
  for (const run of await store.runs(dagId)) {
    if (run.runType !== 'scheduled') continue;
    const at = Date.parse(run.logicalDate);
    if (latest === undefined || at > latest.at) latest = { at, logicalDate: run.logicalDate };
  }
  return latest?.logicalDate;
}
