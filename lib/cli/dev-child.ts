/**
 * A process that `airstep dev` starts to do one thing with DAG code, then exits: check DAG files (import,
 * compile, report) or run one scheduled run through `runAndRecord`. `dev` itself never imports a DAG file; see
 * dev.ts for why. The process loads the engine first and says `ready`, so `dev` keeps one waiting and a saved
 * file is checked without paying Node's and tsx's start-up.
 */
import type { AssetConditionIR } from '../compiler/asset-ir.ts';
import { compileDag } from '../compiler/compile-dag.ts';
import type { RunContext } from '../compiler/worker-contract.ts';
import { claimRun, RunExistsError } from '../local/claim-run.ts';
import { localRunProblems } from '../local/container-tasks.ts';
import { LocalStore } from '../local/local-store.ts';
import { dieWithParent } from '../local/parent-watchdog.ts';
import { loadProjectConfig, unlistedRunAsProblems } from '../local/project-config.ts';
import { claimQueuedRun } from '../local/queued-run-adoption.ts';
import { runAndRecord } from '../local/record-run.ts';
import type { TaskInstance } from '../local/run-dag.ts';
import { type RunLock, RunLockedError } from '../local/run-lock.ts';
import { LocalLimits, type SlotRequest, SlotsOverCapacityError } from '../local/slot-limits.ts';
import { localDagTrigger } from '../local/triggered-runs.ts';
import { killAllWorkers } from '../local/worker-pool.ts';
import { resolveParams } from '../runtime/params.ts';
import { assetRunContext, intervalRunContext } from '../runtime/run-context.ts';
import type { RunInterval, ScheduleSpec } from '../schedule/index.ts';
import { formatProblem } from '../sdk/errors.ts';
import type { ParamSpec } from '../sdk/params.ts';
import { loadDagFile } from './load-dags.ts';
import { projectDagFinder } from './trigger-targets.ts';

/** A DAG of a checked file that has no problems. */
export interface CheckedDag {
  readonly dagId: string;
  /** Undefined for a DAG that only runs when triggered (`schedule: null`). */
  readonly spec?: ScheduleSpec;
  /** The assets it runs on (besides `spec`, when it has one too). */
  readonly assets?: AssetConditionIR;
  readonly maxActiveRuns: number;
}

/** One DAG file as a check found it: its good DAGs and every problem, each naming file, DAG, task and field. */
export interface FileCheck {
  /** Absolute path (the key `dev` keeps files by). */
  readonly file: string;
  /** As shown to the user. */
  readonly shown: string;
  readonly dags: readonly CheckedDag[];
  readonly problems: readonly string[];
}

export type ToDevChild =
  | { readonly type: 'check'; readonly files: readonly string[] }
  | {
      readonly type: 'run';
      readonly file: string;
      readonly dagId: string;
      readonly interval: RunInterval;
      readonly speed: number;
      /** An asset-triggered run: when it was triggered and its events (`interval` is then unused). */
      readonly asset?: { readonly at: string; readonly triggeringAssetEvents: RunContext['triggeringAssetEvents'] };
      /** A run left queued in the store (dev-queued-runs.ts): started as itself (`interval` is then unused). */
      readonly queuedRunId?: string;
    }
  | { readonly type: 'stop' }
  | { readonly type: 'granted'; readonly id: number }
  | { readonly type: 'refused'; readonly id: number; readonly message: string };

export type FromDevChild =
  | { readonly type: 'ready' }
  | { readonly type: 'checked'; readonly check: FileCheck }
  | { readonly type: 'started'; readonly runId: string }
  /** A task of the run changed, or of a run it triggered (`triggered` names that run). */
  | {
      readonly type: 'task';
      readonly task: TaskInstance;
      readonly triggered?: { readonly dagId: string; readonly runId: string };
    }
  | { readonly type: 'ended'; readonly runId: string; readonly state: string }
  /** A run a `triggerDag` step of the run started in this child: as it starts (no state) and as it ends. */
  | { readonly type: 'triggered'; readonly dagId: string; readonly runId: string; readonly state?: string }
  /** The run could not start (its file changed since it was checked), or the engine failed. */
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'acquire'; readonly id: number; readonly request: SlotRequest }
  | { readonly type: 'release'; readonly id: number };

/** Marks a process started as a dev child (the module is also imported by `dev` for its types only). */
export const DEV_CHILD_ENV = 'AIRSTEP_DEV_CHILD';

const send = (message: FromDevChild, then: () => void = () => {}) => {
  if (process.connected) process.send!(message, undefined, undefined, () => then());
  else then();
};

/**
 * DAG and pool slots taken from `dev`'s own `LocalLimits` over IPC, so `maxActiveTasks` and pools hold across
 * every run `dev` starts, as they do across the runs of one `backfill`.
 */
class ParentLimits extends LocalLimits {
  private nextId = 0;
  private readonly waiting = new Map<number, { grant: () => void; refuse: (error: Error) => void }>();

  override acquire(request: SlotRequest): Promise<() => void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, {
        grant: () => {
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            send({ type: 'release', id });
          });
        },
        refuse: reject,
      });
      send({ type: 'acquire', id, request });
    });
  }

  answer(message: Extract<ToDevChild, { type: 'granted' | 'refused' }>): void {
    const waiter = this.waiting.get(message.id);
    this.waiting.delete(message.id);
    if (message.type === 'granted') waiter?.grant();
    else waiter?.refuse(new SlotsOverCapacityError(message.message));
  }
}

function check(files: readonly string[]): void {
  // `dev` itself read and checked the config before it started this process.
  const config = loadProjectConfig().catch(() => ({ assumableRoleArns: [] }));
  const next = async (index: number): Promise<void> => {
    if (index >= files.length) return finish();
    const loaded = await loadDagFile(files[index]!);
    const problems = loaded.errors.map((e) => `${e.file}${e.line !== undefined ? `:${e.line}` : ''} › ${e.message}`);
    const dags: CheckedDag[] = [];
    for (const dag of loaded.dags) {
      const compiled = compileDag(dag, { file: loaded.file });
      if (compiled.problems.length > 0) {
        problems.push(...compiled.problems.map(formatProblem));
        continue;
      }
      const timed = compiled.ir.schedule.expression !== null;
      const scheduled = timed || compiled.ir.assets !== undefined;
      // A scheduled run has no conf: every param needs a default, or the DAG cannot run on its schedule.
      const params = resolveParams(compiled.ir.params as Record<string, ParamSpec>, {});
      if (scheduled && !params.ok) {
        problems.push(
          ...params.problems.map(
            (p) => `${loaded.file} › dag ${dag.id} › ${p.field}: ${p.message} (scheduled runs take the defaults)`,
          ),
        );
        continue;
      }
      const unlisted = scheduled ? unlistedRunAsProblems(compiled.ir, loaded.file, await config) : [];
      if (unlisted.length > 0) {
        problems.push(...unlisted.map((p) => `${formatProblem(p)} (its scheduled runs are not run here)`));
        continue;
      }
      const unsupported = scheduled ? localRunProblems(compiled.ir, loaded.file) : [];
      if (unsupported.length > 0) {
        problems.push(...unsupported.map((p) => `${formatProblem(p)} (its scheduled runs are not run here)`));
        continue;
      }
      dags.push({
        dagId: dag.id,
        ...(timed ? { spec: compiled.ir.schedule } : {}),
        ...(compiled.ir.assets !== undefined ? { assets: compiled.ir.assets } : {}),
        maxActiveRuns: compiled.ir.maxActiveRuns,
      });
    }
    // One message per file: if a later file kills this process, `dev` knows which one it was.
    send({ type: 'checked', check: { file: files[index]!, shown: loaded.file, dags, problems } }, () => {
      void next(index + 1);
    });
  };
  void next(0);
}

async function run(request: Extract<ToDevChild, { type: 'run' }>, limits: ParentLimits, signal: AbortSignal) {
  const loaded = await loadDagFile(request.file);
  const dag = loaded.dags.find((candidate) => candidate.id === request.dagId);
  if (dag === undefined) {
    const why = loaded.errors.map((e) => e.message).join('; ') || `${loaded.file} no longer declares it`;
    return send({ type: 'error', message: why }, finish);
  }
  const compiled = compileDag(dag, { file: loaded.file });
  const params = resolveParams(compiled.ir.params as Record<string, ParamSpec>, {});
  if (compiled.problems.length > 0 || !params.ok) {
    const problems = [
      ...compiled.problems.map(formatProblem),
      ...(params.ok ? [] : params.problems.map((p) => `${p.field}: ${p.message}`)),
    ];
    return send({ type: 'error', message: problems.join('; ') }, finish);
  }
  let ctx: RunContext =
    request.asset !== undefined
      ? assetRunContext({
          dagId: dag.id,
          timezone: compiled.ir.schedule.timezone,
          at: new Date(request.asset.at),
          params: params.params,
          triggeringAssetEvents: request.asset.triggeringAssetEvents ?? {},
        })
      : intervalRunContext({
          dagId: dag.id,
          timezone: compiled.ir.schedule.timezone,
          interval: request.interval,
          runType: 'scheduled',
          schedule: compiled.ir.schedule,
          params: params.params,
          conf: {},
        });
  const store = new LocalStore();
  // The run id's lock before the run is announced: another process running it (an `airstep run` of the same
  // date), or a run of it made since the schedule looked, is reported instead.
  let claim: RunLock;
  if (request.queuedRunId !== undefined) {
    const queued = await claimQueuedRun(store, { dagId: dag.id, runId: request.queuedRunId });
    if (!queued.ok) return send({ type: 'error', message: queued.message }, finish);
    ctx = queued.ctx;
    claim = queued.claim;
  } else
    try {
      claim = await claimRun(store, { dagId: dag.id, runId: ctx.runId }, 'refuse');
    } catch (error) {
      if (!(error instanceof RunLockedError || error instanceof RunExistsError)) throw error;
      return send({ type: 'error', message: error.message }, finish);
    }
  send({ type: 'started', runId: ctx.runId });
  // The runs its triggerDag steps start run in this child too (dev shows them as runs); it exits after them.
  const trigger = localDagTrigger({
    store,
    find: projectDagFinder(loaded.file),
    limits,
    speed: request.speed,
    signal,
    onStarted: (dagId, runId) => send({ type: 'triggered', dagId, runId }),
    onEnded: (dagId, runId, state) => send({ type: 'triggered', dagId, runId, state }),
    onTaskChange: (dagId, runId, task) => send({ type: 'task', task, triggered: { dagId, runId } }),
  });
  const { run } = await runAndRecord({
    dag,
    file: loaded.file,
    ctx,
    store,
    claim,
    maxActiveTasks: compiled.ir.maxActiveTasks,
    limits,
    speed: request.speed,
    signal,
    onTaskChange: (task) => send({ type: 'task', task }),
    trigger,
    ...(compiled.manifest !== undefined ? { manifest: compiled.manifest } : {}),
  });
  send({ type: 'ended', runId: run.runId, state: run.state });
  await trigger.drain();
  // Exit once the messages before are out (the last triggered run's end): `dev` reads a late `ready` as nothing.
  send({ type: 'ready' }, finish);
}

function finish(): void {
  process.exit(0);
}

if (process.env[DEV_CHILD_ENV] === '1' && process.send !== undefined) {
  // `dev` killed outright: this child (and, through their own watchdogs, its workers) ends too.
  dieWithParent();
  const abort = new AbortController();
  const limits = new ParentLimits();
  let busy = false;
  // Ctrl-C reaches every process of the terminal's group, and `dev` also asks each child to stop: a run ends
  // as interrupted and is recorded so; a child with nothing to do just leaves.
  const stop = () => {
    // The run's workers go at once (a CPU-bound task would spin on); the run ends interrupted and is recorded.
    killAllWorkers();
    abort.abort();
    if (!busy) finish();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
  process.on('message', (message: ToDevChild) => {
    if (message.type === 'stop') stop();
    else if (message.type === 'granted' || message.type === 'refused') limits.answer(message);
    else if (!busy) {
      busy = true;
      if (message.type === 'check') check(message.files);
      else
        run(message, limits, abort.signal).catch((error: Error) =>
          send({ type: 'error', message: error.stack ?? error.message }, finish),
        );
    }
  });
  send({ type: 'ready' });
}
