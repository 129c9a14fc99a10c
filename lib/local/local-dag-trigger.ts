import type { DagIR } from '../compiler/ir.ts';
import type { DagManifest } from '../compiler/manifest.ts';
import type { RunContext } from '../compiler/worker-contract.ts';
import { resolveParams } from '../runtime/params.ts';
import { intervalRunContext } from '../runtime/run-context.ts';
import { manualRunInterval } from '../schedule/index.ts';
import type { Dag } from '../sdk/dag.ts';
import type { ParamSpec } from '../sdk/params.ts';
import { claimRun, RunExistsError } from './claim-run.ts';
import type { LocalStore, RunRecord } from './local-store.ts';
import { type RunLock, RunLockedError } from './run-lock.ts';

/**
 * The local engine's stand-in for the stack's trigger function, as a `triggerDag` step invokes it: the same
 * admission as the cloud trigger (lib/runs/trigger-run.ts) over the local store. The event is read, the target
 * DAG found among the project's DAG files, its conf checked against the target's params (a refusal answers
 * `refused`, which the step turns into `TriggerRefused`, never retried); a run id that exists is a `duplicate`
 * (a retried or cleared step finds the run it started); a new run starts at once, or waits `queued` while the
 * target has `maxActiveRuns` runs running or is paused (Airflow 3 creates the run of a paused DAG queued and
 * starts it once the DAG is unpaused). Started runs run in this process, beside the run that triggered them, so
 * the step's wait (GetItem of the run record, cross-dag-resources.ts) sees them end.
 */

/** A DAG a trigger can start: its code, file, and compiled facts. */
export interface TriggerTarget {
  readonly dag: Dag;
  /** As shown to the user; worker processes load it again. */
  readonly file: string;
  readonly ir: DagIR;
  readonly manifest?: DagManifest;
}

/** Finds a DAG of the project by id, or says why there is none that runs locally (where it looked, or its problems). */
export type FindTarget = (
  dagId: string,
) => Promise<
  { readonly ok: true; readonly target: TriggerTarget } | { readonly ok: false; readonly problems: string[] }
>;

/** The trigger function's answer (the cloud's `TriggerResult` outcomes a manual trigger can have, with its codes). */
export type LocalTriggerAnswer =
  | { readonly outcome: 'started'; readonly runId: string }
  | { readonly outcome: 'queued'; readonly runId: string; readonly activeRuns: number; readonly paused?: true }
  | { readonly outcome: 'duplicate'; readonly runId: string; readonly state: string }
  | {
      readonly outcome: 'refused';
      readonly code: 'UNREADABLE_EVENT' | 'UNKNOWN_DAG' | 'INVALID_CONF';
      readonly problems: string[];
    };

/** A run the trigger admitted, to be run to its end by `RunTriggered`. */
export interface TriggeredRun {
  readonly target: TriggerTarget;
  readonly ctx: RunContext;
  /** The run id's lock, held from admission; the run releases it as it ends. */
  readonly claim: RunLock;
}

/** Runs an admitted run to its end; answers the state it ended in. */
export type RunTriggered = (run: TriggeredRun) => Promise<string>;

interface Queued {
  readonly run: TriggeredRun;
  readonly maxActiveRuns: number;
}

/** How often queued runs look for a free place (a run ending in another process frees one too). */
const QUEUE_POLL_MS = 500;

export class LocalDagTrigger {
  /** Runs started by this process and not yet ended, by DAG id. */
  private readonly active = new Map<string, Set<string>>();
  private readonly ended = new Set<Promise<unknown>>();
  private queued: Queued[] = [];
  /** Admissions of one DAG one at a time, as the cloud trigger's admission lease orders them. */
  private admitting: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly deps: {
      readonly store: LocalStore;
      readonly find: FindTarget;
      readonly run: RunTriggered;
      readonly now?: () => Date;
      /** Told as a triggered run starts and ends (the CLI prints it). */
      readonly onStarted?: (dagId: string, runId: string) => void;
      readonly onEnded?: (dagId: string, runId: string, state: string) => void;
      /** The process is stopping (Ctrl-C): queued runs stay queued, none starts. */
      readonly signal?: AbortSignal;
    },
  ) {}

  /** Answers one invocation of the trigger function (its `Payload`). */
  async answer(payload: unknown): Promise<LocalTriggerAnswer> {
    const read = readManualEvent(payload);
    if (!read.ok) return { outcome: 'refused', code: 'UNREADABLE_EVENT', problems: read.problems };
    const event = read.event;
    const found = await this.deps.find(event.dagId);
    if (!found.ok) return { outcome: 'refused', code: 'UNKNOWN_DAG', problems: found.problems };
    const { target } = found;
    const params = resolveParams(target.ir.params as Record<string, ParamSpec>, event.conf);
    if (!params.ok)
      return {
        outcome: 'refused',
        code: 'INVALID_CONF',
        problems: params.problems.map((p) => `dag ${target.dag.id} › ${p.field}: ${p.message}`),
      };
    const at = event.logicalDate !== undefined ? new Date(event.logicalDate) : (this.deps.now?.() ?? new Date());
    const intervalCtx = intervalRunContext({
      dagId: target.dag.id,
      timezone: target.ir.schedule.timezone,
      interval: manualRunInterval(at, target.ir.schedule.timezone),
      runType: 'manual',
      params: params.params,
      conf: event.conf,
    });
    const ctx = event.runId !== undefined ? { ...intervalCtx, runId: event.runId } : intervalCtx;
    const admitted = this.admitting.then(() => this.admit(target, ctx));
    this.admitting = admitted.catch(() => undefined);
    return admitted;
  }

  /**
   * Resolves once every run this process started has ended and no queued run can start any more: what is left
   * is the runs still queued behind a paused DAG, or all queued ones once stopping (left `queued` in the store),
   * returned.
   */
  async drain(): Promise<RunRecord[]> {
    for (;;) {
      await this.startQueued();
      const stuck = (entry: Queued) =>
        this.deps.signal?.aborted === true || this.deps.store.isPaused(entry.run.target.dag.id);
      if (this.ended.size === 0 && this.queued.every(stuck)) break;
      await Promise.race([...this.ended, new Promise((done) => setTimeout(done, QUEUE_POLL_MS))]);
    }
    this.closed = true;
    clearInterval(this.timer);
    const left = this.queued;
    this.queued = [];
    const records: RunRecord[] = [];
    for (const entry of left) {
      await entry.run.claim.release();
      const record = (await this.deps.store.runs(entry.run.target.dag.id)).find(
        (run) => run.runId === entry.run.ctx.runId,
      );
      if (record !== undefined) records.push(record);
    }
    return records;
  }

  /**
   * Takes over a run another process admitted and left `queued` in the store (it ended before the run could
   * start): under the run id's lock, so two processes never start it, it joins this trigger's queue behind the
   * runs queued before it, and starts as a place is free. `taken` when another process holds it (it starts it
   * itself), `gone` when the record no longer says queued.
   */
  async adopt(target: TriggerTarget, ctx: RunContext): Promise<'adopted' | 'taken' | 'gone'> {
    const { store } = this.deps;
    const dagId = target.dag.id;
    let claim: RunLock;
    try {
      claim = await claimRun(store, { dagId, runId: ctx.runId }, 'keep');
    } catch (error) {
      if (error instanceof RunLockedError) return 'taken';
      throw error;
    }
    // Read under the lock: the process that held it may have started (or ended) the run before it let go.
    const record = (await store.runs(dagId)).find((run) => run.runId === ctx.runId);
    if (record?.state !== 'queued') {
      await claim.release();
      return 'gone';
    }
    this.queued.push({ run: { target, ctx, claim }, maxActiveRuns: target.ir.maxActiveRuns });
    this.timer ??= setInterval(() => void this.startQueued(), QUEUE_POLL_MS);
    await this.startQueued();
    return 'adopted';
  }

  private async admit(target: TriggerTarget, ctx: RunContext): Promise<LocalTriggerAnswer> {
    const { store } = this.deps;
    const dagId = target.dag.id;
    let claim: RunLock;
    try {
      claim = await claimRun(store, { dagId, runId: ctx.runId }, 'refuse');
    } catch (error) {
      if (error instanceof RunExistsError)
        return { outcome: 'duplicate', runId: ctx.runId, state: error.state ?? 'running' };
      // Another process runs it (a second engine triggered the same run id).
      if (error instanceof RunLockedError) return { outcome: 'duplicate', runId: ctx.runId, state: 'running' };
      throw error;
    }
    const run: TriggeredRun = { target, ctx, claim };
    const activeRuns = await this.activeRuns(dagId);
    const paused = store.isPaused(dagId);
    if (!paused && activeRuns < target.ir.maxActiveRuns && !this.queued.some((q) => q.run.target.dag.id === dagId)) {
      this.start(run);
      return { outcome: 'started', runId: ctx.runId };
    }
    // The record says `queued` (the step's wait sees it) until a place is free and the DAG is not paused.
    await store.saveRun(queuedRecord(target, ctx));
    this.queued.push({ run, maxActiveRuns: target.ir.maxActiveRuns });
    this.timer ??= setInterval(() => void this.startQueued(), QUEUE_POLL_MS);
    return { outcome: 'queued', runId: ctx.runId, activeRuns, ...(paused ? { paused: true as const } : {}) };
  }

  /** Runs of the DAG running now: those this process started, and those other processes' records say run. */
  private async activeRuns(dagId: string): Promise<number> {
    const mine = this.active.get(dagId) ?? new Set<string>();
    const elsewhere = (await this.deps.store.runs(dagId)).filter(
      (run) => run.state === 'running' && !mine.has(run.runId),
    );
    return mine.size + elsewhere.length;
  }

  /** Starts the oldest queued runs that have a place now, in the order they were queued (per DAG). */
  private startQueued(): Promise<void> {
    const pass = this.admitting.then(async () => {
      if (this.closed || this.deps.signal?.aborted === true) return;
      const blocked = new Set<string>();
      for (const entry of [...this.queued]) {
        const dagId = entry.run.target.dag.id;
        if (blocked.has(dagId)) continue;
        if (this.deps.store.isPaused(dagId) || (await this.activeRuns(dagId)) >= entry.maxActiveRuns) {
          blocked.add(dagId);
          continue;
        }
        this.queued = this.queued.filter((other) => other !== entry);
        this.start(entry.run);
      }
      if (this.queued.length === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    });
    this.admitting = pass.catch(() => undefined);
    return pass;
  }

  private start(run: TriggeredRun): void {
    const dagId = run.target.dag.id;
    const runs = this.active.get(dagId) ?? new Set<string>();
    runs.add(run.ctx.runId);
    this.active.set(dagId, runs);
    this.deps.onStarted?.(dagId, run.ctx.runId);
    const ended: Promise<unknown> = this.deps
      .run(run)
      .catch((error: unknown) => {
        // An engine failure (the run's record may still say running) is said here, never lost.
        console.error(`airstep: triggered run ${run.ctx.runId} of ${dagId}: ${(error as Error).message}`);
        return 'interrupted';
      })
      .then((state) => {
        runs.delete(run.ctx.runId);
        this.ended.delete(ended);
        this.deps.onEnded?.(dagId, run.ctx.runId, state);
      });
    this.ended.add(ended);
  }
}

/** The run record of a queued run: what `airstep runs` and the step's wait read until it starts. */
function queuedRecord(target: TriggerTarget, ctx: RunContext): RunRecord {
  return {
    dagId: target.dag.id,
    runId: ctx.runId,
    runType: ctx.runType,
    logicalDate: ctx.logicalDate,
    file: target.file,
    state: 'queued',
    startedAt: new Date().toISOString(),
    conf: ctx.conf,
    pid: process.pid,
    clockSpeed: 1,
    ctx,
  };
}

interface ManualEvent {
  readonly dagId: string;
  readonly conf: Record<string, unknown>;
  readonly logicalDate?: string;
  readonly runId?: string;
}

/** The manual-run event a `triggerDag` step sends, checked field by field as the cloud trigger reads it. */
export function readManualEvent(
  raw: unknown,
): { readonly ok: true; readonly event: ManualEvent } | { readonly ok: false; readonly problems: string[] } {
  if (!isObject(raw)) return { ok: false, problems: ['the event must be a JSON object'] };
  const problems: string[] = [];
  if (raw.kind !== 'manual')
    problems.push(`kind must be 'manual' for a triggerDag step, got ${JSON.stringify(raw.kind)}`);
  if (typeof raw.dagId !== 'string' || raw.dagId === '') problems.push('dagId must be a non-empty string');
  if (raw.conf !== undefined && !isObject(raw.conf)) problems.push('conf must be a JSON object');
  if (
    raw.logicalDate !== undefined &&
    (typeof raw.logicalDate !== 'string' || Number.isNaN(Date.parse(raw.logicalDate)))
  )
    problems.push(`logicalDate ${JSON.stringify(raw.logicalDate)} is not an ISO date`);
  if (
    raw.runId !== undefined &&
    (typeof raw.runId !== 'string' ||
      raw.runId.length === 0 ||
      raw.runId.length > 250 ||
      ![...raw.runId].every((char) => char.charCodeAt(0) >= 0x20 && char.charCodeAt(0) !== 0x7f))
  )
    problems.push(`runId must be 1-250 printable characters, got ${JSON.stringify(raw.runId)}`);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    event: {
      dagId: raw.dagId as string,
      conf: (raw.conf as Record<string, unknown> | undefined) ?? {},
      ...(raw.logicalDate !== undefined ? { logicalDate: raw.logicalDate as string } : {}),
      ...(raw.runId !== undefined ? { runId: raw.runId as string } : {}),
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
