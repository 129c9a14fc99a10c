import type { ChildProcess } from 'node:child_process';
import { existsSync, type FSWatcher, readdirSync, statSync, watch } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { AssetTrigger } from '../local/asset-trigger.ts';
import { LocalAssetEvents } from '../local/local-asset-events.ts';
import { type DueRun, LocalScheduler, resumePoint, SchedulerLoop } from '../local/local-scheduler.ts';
import { LocalStore } from '../local/local-store.ts';
import { loadProjectConfig } from '../local/project-config.ts';
import type { TaskInstance } from '../local/run-dag.ts';
import { S3WatchPoll, S3WatchPollLoop, watchPollMs } from '../local/s3-watch-poll.ts';
import { LocalLimits } from '../local/slot-limits.ts';
import { ChildProcessError, forkWithStderrTail, type StderrTail } from '../runtime/child-process.ts';
import { importLimitMs } from '../runtime/import-limit.ts';
import { childExecArgv, siblingModule } from '../runtime/typescript-loader.ts';
import type { ScheduleSpec } from '../schedule/index.ts';
import { manualRunInterval } from '../schedule/index.ts';
import type { CheckedDag, FileCheck, FromDevChild, ToDevChild } from './dev-child.ts';
import { devOutput } from './dev-output.ts';
import { DevQueuedRuns } from './dev-queued-runs.ts';
import { dagFilesUnder, displayPath, isDagFileName } from './load-dags.ts';
import { EXIT } from './output.ts';
import { emulatorOptions, RunAws } from './run-aws.ts';
import { readSpeed } from './run-input.ts';

interface DevOptions {
  speed?: string;
  schedule: boolean;
  /** `--emulator` / `--no-emulator`; neither: auto. */
  emulator?: boolean;
  json?: boolean;
}

/** How long a file must stay quiet after a change before it is checked again (editors write in bursts). */
const DEBOUNCE_MS = 80;
/**
 * The child enforces the import limit on each file itself (import-limit.ts), and reports a file that did not
 * finish importing as a problem. A child that reports no file for three limits is stuck where that limit cannot
 * reach (compiling, a native call): it is killed and the file blamed.
 */
const CHECK_STALL_MS = 3 * importLimitMs();
/** How long Ctrl-C waits for running runs to record themselves as interrupted before it kills their processes. */
const STOP_GRACE_MS = 10_000;
/** How often `dev` looks for asset events recorded by other processes (a run it started is seen as it ends). */
const ASSET_POLL_MS = 2000;

/** What an asset-triggered run's child needs besides the DAG: when it was triggered and its events. */
type AssetRunRequest = NonNullable<Extract<ToDevChild, { type: 'run' }>['asset']>;
/** Files whose change may change a DAG: DAG files and the helper modules and data they import. */
const SOURCE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json']);

/**
 * `airstep dev [paths…]`: checks every DAG file, watches them and checks a saved file again at once, and runs
 * scheduled DAGs on their schedule in the local engine (catchup as configured) through the local scheduler, with
 * the live lines of `airstep run`. A file that fails to load stops only its own DAGs. Ctrl-C stops everything:
 * running runs end as interrupted.
 *
 * `dev` never imports a DAG file itself. ES modules cannot be unloaded: importing each saved version under a new
 * `?v=` query would keep every version (and everything it allocated at import) for the rest of the session, and
 * would not see changed helper modules at all. Instead every check and every run happens in a short-lived child
 * process (dev-child.ts) that imports the current files once and exits, so this process's memory stays flat
 * however many times a file is saved, and a helper's change is seen too. One child is always started ahead,
 * with the engine loaded, so a save is checked in about 100 ms rather than a Node start-up.
 */
export function registerDevCommand(program: Command): void {
  emulatorOptions(program.command('dev'))
    .description('watch DAG files, validate them on save, and run scheduled DAGs locally on their schedule')
    .argument('[paths...]', 'DAG files or folders', ['dags'])
    .option('--speed <n>', 'run waits, retry delays and sensor intervals n times faster (not the schedule)')
    .option('--no-schedule', 'only validate on save; run nothing')
    .option('--json', 'one JSON object per line (an `event` and its fields) instead of lines for a person')
    .action(async (paths: string[], options: DevOptions) => {
      process.exitCode = await dev(paths, options);
    });
}

async function dev(paths: string[], options: DevOptions): Promise<number> {
  const out = devOutput(options.json === true);
  const speed = readSpeed(options.speed);
  if (!speed.ok) {
    out.refused(speed.message);
    return EXIT.usage;
  }
  let limits: LocalLimits;
  try {
    limits = new LocalLimits((await loadProjectConfig()).pools);
  } catch (error) {
    out.refused((error as Error).message);
    return EXIT.usage;
  }
  const roots = paths.map((path) => resolve(path));
  const missing = roots.filter((root) => !existsSync(root));
  if (missing.length > 0) {
    out.refused(`not found: ${missing.map(displayPath).join(', ')}`);
    return EXIT.usage;
  }

  let stopping = false;
  const stopRequested = new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  const store = new LocalStore();
  await store.recoverInterrupted();
  const children = new DevChildren(limits);
  // A paused DAG (`airstep pause`) starts nothing; an unpause is seen at the next pass (within a minute).
  const scheduler = new LocalScheduler({
    isPaused: (dagId) => store.isPaused(dagId),
    held: (dagId, interval) => out.paused(dagId, interval.logicalDate),
  });
  const loop = new SchedulerLoop(scheduler, (due) => startRun(due, () => loop.finished(due.dagId)));
  // DAGs scheduled on assets: a pass looks at the events every few seconds (any process may record one) and as
  // runs end; passes never overlap.
  const assets = new AssetTrigger(new LocalAssetEvents(store.root), (dagId) => store.isPaused(dagId));
  const s3Watch = new S3WatchPollLoop(
    new S3WatchPoll(new LocalAssetEvents(store.root), store.root, () => assets.loaded()),
  );
  let assetPassing: Promise<void> | undefined;
  let assetTimer: NodeJS.Timeout | undefined;
  let queuedTimer: NodeJS.Timeout | undefined;
  const assetPass = (): Promise<void> => {
    if (stopping || !options.schedule) return Promise.resolve();
    assetPassing ??= assets
      .pass(new Date())
      .then((due) => {
        for (const run of due) {
          const interval = manualRunInterval(run.at);
          startRun({ dagId: run.dagId, runId: run.runId, interval }, () => assets.finished(run.dagId), {
            at: run.at.toISOString(),
            triggeringAssetEvents: run.triggeringAssetEvents,
          });
        }
      })
      .catch((error: Error) => out.failed(error))
      .finally(() => {
        assetPassing = undefined;
      });
    return assetPassing;
  };

  // What each file last gave, and which file each DAG id belongs to.
  const goodByFile = new Map<string, readonly CheckedDag[]>();
  const owners = new Map<string, string>();
  // Checks run side by side; a file's result counts only if no newer check of it was asked for since.
  const requested = new Map<string, number>();
  let batches = 0;
  // Results are applied one at a time, in the order they arrive.
  let applying = Promise.resolve();
  const enqueue = (work: () => Promise<void> | void) => {
    applying = applying.then(work).catch((error: Error) => out.failed(error));
  };

  const apply = async (check: FileCheck, since: number, initial: boolean): Promise<void> => {
    const previous = goodByFile.get(check.file) ?? [];
    const problems = [...check.problems];
    const good: CheckedDag[] = [];
    for (const dag of check.dags) {
      const other = owners.get(dag.dagId);
      // A DAG moved to another file (a rename) is taken over once the old file is gone.
      if (other !== undefined && other !== check.file && existsSync(other)) {
        problems.push(`${check.shown} › dag ${dag.dagId} › id: also declared in ${displayPath(other)}; ignored here`);
      } else good.push(dag);
    }
    out.checked({
      file: check.shown,
      dagIds: good.map((dag) => dag.dagId),
      problems,
      ms: performance.now() - since,
      changes: initial ? [] : changes(previous, good),
    });

    // A broken file's DAGs stop being scheduled until it loads again; other files are untouched.
    const kept = new Set(good.map((dag) => dag.dagId));
    for (const dag of previous) {
      if (kept.has(dag.dagId) || owners.get(dag.dagId) !== check.file) continue;
      scheduler.remove(dag.dagId);
      assets.remove(dag.dagId);
      owners.delete(dag.dagId);
    }
    goodByFile.set(check.file, good);
    for (const dag of good) {
      owners.set(dag.dagId, check.file);
      if (dag.spec === undefined) scheduler.remove(dag.dagId);
      else {
        const { dagId, spec, maxActiveRuns } = dag;
        scheduler.set({ dagId, spec, maxActiveRuns }, resumePoint(await store.runs(dagId)));
      }
      if (dag.assets === undefined) assets.remove(dag.dagId);
      else assets.set({ dagId: dag.dagId, condition: dag.assets, maxActiveRuns: dag.maxActiveRuns });
    }
    loop.poke();
    void assetPass();
  };

  const forget = (file: string) => {
    const previous = goodByFile.get(file);
    if (previous === undefined) return;
    goodByFile.delete(file);
    for (const dag of previous) {
      if (owners.get(dag.dagId) !== file) continue;
      scheduler.remove(dag.dagId);
      assets.remove(dag.dagId);
      owners.delete(dag.dagId);
    }
    out.removed(displayPath(file));
  };

  const checkFiles = async (files: readonly string[], since: number, initial = false): Promise<void> => {
    const batch = ++batches;
    for (const file of files) requested.set(file, batch);
    const current = (file: string) => requested.get(file) === batch;
    for (const file of files) if (!existsSync(file)) enqueue(() => forget(file));
    let remaining = files.filter((file) => existsSync(file));
    while (remaining.length > 0 && !stopping) {
      const { done, failure } = await children.take().check(remaining, (check) => {
        if (current(check.file)) enqueue(() => apply(check, since, initial));
      });
      remaining = remaining.slice(done);
      // The process died or hung on the first file it had not reported: that file is the broken one.
      const blamed = failure !== undefined ? remaining.shift() : undefined;
      if (blamed !== undefined && current(blamed)) {
        const shown = displayPath(blamed);
        enqueue(() => apply({ file: blamed, shown, dags: [], problems: [`${shown} › ${failure}`] }, since, initial));
      }
    }
  };

  // Runs left queued by commands that have ended start here, within their DAG's maxActiveRuns.
  const queuedRuns = new DevQueuedRuns({
    store,
    dags: () => [...goodByFile.values()].flat(),
    active: (dagId) => scheduler.activeRuns(dagId),
    stopped: () => stopping || !options.schedule,
    start: (dagId, runId, done) => {
      loop.started(dagId);
      const interval = manualRunInterval(new Date());
      const ended = () => {
        done();
        loop.finished(dagId);
      };
      startRun({ dagId, runId, interval }, ended, undefined, runId);
    },
  });

  const startRun = (due: DueRun, finished: () => void, asset?: AssetRunRequest, queuedRunId?: string): void => {
    const file = owners.get(due.dagId);
    if (stopping || file === undefined) {
      queueMicrotask(finished);
      return;
    }
    let started = performance.now();
    // Triggered runs running now (their places are given back if the child dies before saying they ended).
    const triggeredRunning = new Map<string, string>();
    const triggeredStart = new Map<string, number>();
    void children
      .take()
      .run(
        {
          file,
          dagId: due.dagId,
          interval: due.interval,
          speed: speed.value,
          ...(asset !== undefined ? { asset } : {}),
          ...(queuedRunId !== undefined ? { queuedRunId } : {}),
        },
        {
          started: () => {
            started = performance.now();
            out.runStarted(due.dagId, due.runId);
          },
          task: (task, triggered) =>
            out.taskChanged(triggered?.dagId ?? due.dagId, triggered?.runId ?? due.runId, task),
          triggered: (dagId, runId, state) => {
            if (state !== undefined) {
              // A triggered run holds one of its DAG's maxActiveRuns places in the scheduler while it runs.
              if (triggeredRunning.delete(`${dagId}\u0000${runId}`)) loop.finished(dagId);
              return out.runEnded(dagId, runId, state, performance.now() - (triggeredStart.get(runId) ?? started));
            }
            triggeredRunning.set(`${dagId}\u0000${runId}`, dagId);
            triggeredStart.set(runId, performance.now());
            loop.started(dagId);
            out.runStarted(dagId, runId);
          },
          ended: (state) => out.runEnded(due.dagId, due.runId, state, performance.now() - started),
          error: (message) => out.runNotStarted(due.dagId, due.runId, message),
        },
      )
      .finally(() => {
        for (const dagId of triggeredRunning.values()) loop.finished(dagId);
        triggeredRunning.clear();
        finished();
        // A run that ended may have recorded asset events, or freed a slot a queued consumer waits for.
        void assetPass();
        void queuedRuns.pass();
      });
  };

  // Watch every folder under the roots (or a file root's folder). Each folder is watched on its own: Node 20's
  // recursive watch on Linux loses files that editors replace on save. `_` folders are watched too: helpers.
  const watchers = new Map<string, FSWatcher>();
  const pending = new Map<string, NodeJS.Timeout>();
  const debounce = (key: string, work: (since: number) => void) => {
    const since = performance.now();
    clearTimeout(pending.get(key));
    pending.set(
      key,
      setTimeout(() => {
        pending.delete(key);
        work(since);
      }, DEBOUNCE_MS),
    );
  };
  const watchTree = (folder: string, root: string, rootIsFolder: boolean) => {
    for (const below of rootIsFolder ? foldersUnder(folder) : [folder]) {
      if (watchers.has(below)) continue;
      const watcher = watch(below, (_event, name) => {
        if (name !== null && !stopping) changed(join(below, name.toString()), root, rootIsFolder);
      });
      watcher.on('error', () => {
        watcher.close();
        watchers.delete(below);
      });
      watchers.set(below, watcher);
    }
  };
  const changed = (absolute: string, root: string, rootIsFolder: boolean) => {
    const info = statSync(absolute, { throwIfNoEntry: false });
    if (info?.isDirectory()) {
      // A new folder: watch it, and check the DAG files it came with.
      const name = basename(absolute);
      if (rootIsFolder && !watchers.has(absolute) && !name.startsWith('.') && name !== 'node_modules') {
        watchTree(absolute, root, true);
        debounce(absolute, (since) => {
          void dagFilesUnder(absolute).then((files) => {
            const dagFiles = files.map((file) => resolve(file)).filter((file) => isDagPath(root, file));
            if (dagFiles.length > 0) void checkFiles(dagFiles, since);
          });
        });
      }
      return;
    }
    if (!SOURCE_EXTENSIONS.has(extname(absolute))) return;
    if (rootIsFolder ? isDagPath(root, absolute) : absolute === root) {
      debounce(absolute, (since) => void checkFiles([absolute], since));
      return;
    }
    // A helper module (or data file) changed: every DAG file may import it, so check them all again.
    debounce('\u0000helpers', (since) => {
      const files = [...goodByFile.keys()];
      out.helperChanged(displayPath(absolute), files.length);
      void checkFiles(files, since);
    });
  };

  const startedAt = performance.now();
  const files = (await Promise.all(roots.map((root) => dagFilesUnder(root)))).flat().map((file) => resolve(file));
  for (const root of roots) {
    const rootIsFolder = statSync(root).isDirectory();
    watchTree(rootIsFolder ? root : dirname(root), root, rootIsFolder);
  }
  // The embedded emulator, when the DAG files' code uses AWS and none is configured: its environment is set before
  // the first dev child starts (they inherit it), and it is ready before the first scheduled run. Native steps
  // alone do not start it here (dev learns of them only in its children): --emulator does.
  const aws = new RunAws(options.schedule ? options.emulator : false, store.root, (line) => out.note(line));
  await aws.beforeWorkers(...files);
  await checkFiles(files, startedAt, true);
  await applying;
  try {
    await aws.beforeRun([]);
  } catch (error) {
    out.refused((error as Error).message);
    await children.close(STOP_GRACE_MS);
    return EXIT.usage;
  }
  out.watching(
    roots.map((root) => displayPath(root) || '.'),
    options.schedule,
  );
  if (options.schedule) {
    loop.begin();
    assetTimer = setInterval(() => void assetPass(), ASSET_POLL_MS);
    queuedTimer = setInterval(() => void queuedRuns.pass(), ASSET_POLL_MS);
    void queuedRuns.pass();
    s3Watch.begin(watchPollMs(), (found) => (found > 0 ? void assetPass() : undefined), out.failed);
  }

  await stopRequested;
  stopping = true;
  out.stopping();
  loop.stop();
  clearInterval(assetTimer);
  clearInterval(queuedTimer);
  await queuedRuns.pass();
  await s3Watch.stop();
  await assetPassing;
  for (const timer of pending.values()) clearTimeout(timer);
  for (const watcher of watchers.values()) watcher.close();
  await children.close(STOP_GRACE_MS);
  await applying;
  await aws.stop();
  return EXIT.ok;
}

/** Lines saying how a file's DAGs changed with a save. */
function changes(before: readonly CheckedDag[], after: readonly CheckedDag[]): string[] {
  const lines: string[] = [];
  const old = new Map(before.map((dag) => [dag.dagId, dag]));
  const now = new Set(after.map((dag) => dag.dagId));
  for (const dag of after) {
    const was = old.get(dag.dagId);
    if (was === undefined) lines.push(`+ ${dag.dagId} (${describe(dag)})`);
    else if (describe(was) !== describe(dag)) lines.push(`~ ${dag.dagId}: ${describe(was)} → ${describe(dag)}`);
  }
  for (const dag of before) if (!now.has(dag.dagId)) lines.push(`- ${dag.dagId} (not scheduled until it loads again)`);
  return lines;
}

function describe(dag: CheckedDag): string {
  const spec: ScheduleSpec | undefined = dag.spec;
  if (spec === undefined) return 'manual only';
  const parts = [`schedule ${spec.expression}`];
  if (spec.timezone !== 'UTC') parts.push(spec.timezone);
  parts.push(spec.catchup ? 'catchup' : 'no catchup');
  parts.push(`maxActiveRuns ${dag.maxActiveRuns}`);
  return parts.join(', ');
}

/** A file under a folder root that `dagFilesUnder` would pick (no `_` or `.` folder on the way). */
function isDagPath(root: string, absolute: string): boolean {
  const parts = relative(root, absolute).split(sep);
  if (parts[0] === '..' || parts.some((part) => part === 'node_modules')) return false;
  return parts.slice(0, -1).every((part) => !/^[_.]/.test(part)) && isDagFileName(basename(absolute));
}

/** A folder and every folder below it, `.` folders and node_modules left out (`_` helper folders kept). */
function foldersUnder(folder: string): string[] {
  const below = readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
    .flatMap((entry) => foldersUnder(join(folder, entry.name)));
  return [folder, ...below];
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------------------------

// A dev child exists to load DAG files: it starts with tsx in place, so a waiting one has paid for it.
const CHILD_ENTRY = siblingModule(import.meta.url, 'dev-child');

interface RunHandlers {
  started(runId: string): void;
  /** A run a triggerDag step started: as it starts (no state) and as it ends. */
  triggered(dagId: string, runId: string, state?: string): void;
  task(task: TaskInstance, triggered?: { readonly dagId: string; readonly runId: string }): void;
  ended(state: string): void;
  error(message: string): void;
}

/** One dev child: started ready to take one check or one run. Slots it asks for come from `limits`. */
class DevChild {
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;
  private readonly held = new Map<number, () => void>();
  private readonly stderr: StderrTail;
  private onMessage: (message: FromDevChild) => void = () => {};

  constructor(private readonly limits: LocalLimits) {
    ({ child: this.child, stderr: this.stderr } = forkWithStderrTail(CHILD_ENTRY, [], {
      execArgv: childExecArgv(true),
      env: { ...process.env, AIRSTEP_DEV_CHILD: '1' },
      stdout: 'inherit',
    }));
    // 'close', not 'exit': a child's last messages can still be in the IPC pipe when its exit is seen.
    this.exited = new Promise((done) => this.child.once('close', () => done()));
    void this.exited.then(() => {
      for (const release of this.held.values()) release();
      this.held.clear();
    });
    this.ready = new Promise((done, fail) => {
      void this.exited.then(() =>
        fail(
          new ChildProcessError(
            `its process ended at start (${this.child.signalCode ?? `exit code ${this.child.exitCode}`}): ${this.lastError()}`,
          ),
        ),
      );
      this.child.on('message', (message: FromDevChild) => {
        if (message.type === 'ready') done();
        else this.answer(message);
      });
    });
    this.ready.catch(() => undefined);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Checks files in order; `done` counts the files reported, `failure` says why the rest were not. */
  async check(
    files: readonly string[],
    onCheck: (check: FileCheck) => void,
  ): Promise<{ done: number; failure?: string }> {
    try {
      await this.ready;
    } catch (error) {
      return { done: 0, failure: (error as Error).message };
    }
    return new Promise((settle) => {
      let done = 0;
      let stall: NodeJS.Timeout | undefined;
      const finish = (failure?: string) => {
        clearTimeout(stall);
        settle(failure !== undefined ? { done, failure } : { done });
      };
      const watchdog = () => {
        clearTimeout(stall);
        stall = setTimeout(() => {
          this.kill();
          finish(`its check did not finish within ${CHECK_STALL_MS / 1000} s (stuck at import or compiling?)`);
        }, CHECK_STALL_MS);
      };
      this.onMessage = (message) => {
        if (message.type !== 'checked') return;
        done++;
        onCheck(message.check);
        if (done === files.length) finish();
        else watchdog();
      };
      void this.exited.then(() =>
        finish(
          `import ended the process (${this.child.signalCode ?? `exit code ${this.child.exitCode}`}): ${this.lastError()}`,
        ),
      );
      watchdog();
      this.send({ type: 'check', files });
    });
  }

  /** Runs one scheduled run; resolves once the child has exited (its run recorded). */
  async run(request: Omit<Extract<ToDevChild, { type: 'run' }>, 'type'>, on: RunHandlers): Promise<void> {
    try {
      await this.ready;
    } catch (error) {
      on.error((error as Error).message);
      return;
    }
    let reported = false;
    this.onMessage = (message) => {
      if (message.type === 'started') on.started(message.runId);
      else if (message.type === 'triggered') on.triggered(message.dagId, message.runId, message.state);
      else if (message.type === 'task') on.task(message.task, message.triggered);
      else if (message.type === 'ended' || message.type === 'error') {
        reported = true;
        if (message.type === 'ended') on.ended(message.state);
        else on.error(message.message);
      }
    };
    this.send({ type: 'run', ...request });
    await this.exited;
    if (!reported) on.error(`its process ended (exit code ${this.child.exitCode}): ${this.lastError()}`);
  }

  stop(): void {
    this.send({ type: 'stop' });
  }

  kill(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }

  private send(message: ToDevChild): void {
    if (this.alive && this.child.connected) this.child.send(message);
  }

  /** Slot requests are served here, so limits hold across every child; anything else goes to the caller. */
  private answer(message: FromDevChild): void {
    if (message.type === 'acquire') {
      this.limits.acquire(message.request).then(
        (release) => {
          if (!this.alive) return release();
          this.held.set(message.id, release);
          this.send({ type: 'granted', id: message.id });
        },
        (error: Error) => this.send({ type: 'refused', id: message.id, message: error.message }),
      );
    } else if (message.type === 'release') {
      this.held.get(message.id)?.();
      this.held.delete(message.id);
    } else this.onMessage(message);
  }

  private lastError(): string {
    return this.stderr.lastLines(3);
  }
}

/** The dev children: one always waiting, ready, for the next check or run. */
class DevChildren {
  private standby: DevChild | undefined;
  private readonly all = new Set<DevChild>();
  private closed = false;

  constructor(private readonly limits: LocalLimits) {}

  take(): DevChild {
    const taken = this.standby?.alive ? this.standby : this.spawn();
    this.standby = this.closed ? undefined : this.spawn();
    return taken;
  }

  /** Asks every child to stop (runs end interrupted and are recorded), then kills what is left after `graceMs`. */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    this.standby = undefined;
    for (const child of this.all) child.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.all].map((child) => child.exited)),
      new Promise<void>((done) => {
        timer = setTimeout(done, graceMs);
      }),
    ]);
    clearTimeout(timer);
    for (const child of this.all) child.kill();
    await Promise.all([...this.all].map((child) => child.exited));
  }

  private spawn(): DevChild {
    const child = new DevChild(this.limits);
    this.all.add(child);
    void child.exited.then(() => this.all.delete(child));
    return child;
  }
}
