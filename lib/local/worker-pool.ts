import type { ChildProcess } from 'node:child_process';
import type { TaskState } from '../compiler/run-states.ts';
import type { CallbackMessage, TaskMessage, TaskOutcome, WorkerTask } from '../compiler/worker-contract.ts';
import { ChildProcessError, forkWithStderrTail, type StderrTail } from '../runtime/child-process.ts';
import type { CallbackResult } from '../runtime/run-callback.ts';
import { childExecArgv, isTypeScriptFile, siblingModule } from '../runtime/typescript-loader.ts';
import { CALLBACK_TIME_LIMIT_MS } from '../sdk/callbacks.ts';
import { type PlannedTask, WorkerDemand } from './worker-demand.ts';

const WORKER_ENTRY = siblingModule(import.meta.url, 'worker-standby');
const DEFAULT_MAX_OLD_SPACE_MB = 1024;
/** How long past its time limit a callback may block its process before the process is killed. */
const CALLBACK_KILL_GRACE_MS = 5000;

/** How one try is run: its task's compiled facts, heartbeat cadence (real milliseconds) and where heartbeats go. */
export interface TryHooks {
  readonly task: WorkerTask | undefined;
  readonly heartbeatEveryMs?: number;
  readonly onHeartbeat: () => void;
  /** Lines the try logged, as they come (its log grows while it runs); they are in its final answer's `logs` too. */
  readonly onLog?: (lines: readonly string[]) => void;
}

/** Runs one task try somewhere and reports its outcome and every line it logged. */
export type TryRunner = (message: TaskMessage, hooks: TryHooks) => Promise<{ outcome: TaskOutcome; logs: string[] }>;

/** Runs one callback somewhere (never throwing: a callback's failure is only logged) and reports its log lines. */
export type CallbackRunner = (message: CallbackMessage) => Promise<{ result: CallbackResult; logs: string[] }>;

/** What a worker process answers a request with, or how it ended instead. */
type WorkReply =
  | { readonly type: 'result'; readonly outcome: TaskOutcome; readonly logs: string[] }
  | { readonly type: 'callback-done'; readonly result: CallbackResult; readonly logs: string[] }
  | { readonly type: 'crashed'; readonly cause: string; readonly logs: string[] };

/** Any message of a worker process: a reply, or `ready`, `standby`, `heartbeat` and `log` (a try's new lines). */
type WorkerMessage = { type: string; id?: number; lines?: string[] } & Partial<Omit<WorkReply, 'type'>>;

interface CurrentTry {
  readonly id: number;
  /** A try's hooks (heartbeats); a callback has none. */
  readonly hooks?: TryHooks;
  /** The try's lines as the worker sends them, ahead of its answer. */
  readonly onLog?: (lines: readonly string[]) => void;
  readonly resolve: (reply: WorkReply) => void;
}

/**
 * One worker process (worker-standby, then worker-process): it loads the DAG file at once, and runs tries once
 * it is told which DAG it serves.
 */
class WorkerProcess {
  readonly child: ChildProcess;
  /** Settles when the worker can take a try, or it exits first. */
  readonly ready: Promise<void>;
  current?: CurrentTry;
  readonly stderr: StderrTail;
  /** Called when the process exits (set by the pool that owns it). */
  onExit: (code: number | null, signal: NodeJS.Signals | null) => void = () => undefined;
  private dagId?: string;
  private standing = false;
  private told = false;

  /** Without `dagId`, it waits after loading the file until `serve` names the DAG. */
  constructor(
    readonly file: string,
    maxOldSpaceMb: number,
    dagId?: string,
  ) {
    if (dagId !== undefined) {
      this.dagId = dagId;
      this.told = true;
    }
    ({ child: this.child, stderr: this.stderr } = forkWithStderrTail(
      WORKER_ENTRY,
      dagId !== undefined ? [file, dagId] : [file],
      {
        execArgv: [...childExecArgv(isTypeScriptFile(file)), `--max-old-space-size=${maxOldSpaceMb}`],
        stdout: 'inherit',
      },
    ));
    running.add(this);
    this.child.once('exit', () => running.delete(this));
    // A request sent to a worker that just died fails (EPIPE, ERR_IPC_CHANNEL_CLOSED); its 'exit' says what
    // happened to the try, so the failed send itself is not an error of the engine.
    this.child.on('error', () => undefined);
    this.ready = new Promise<void>((resolve, reject) => {
      this.child.on('message', (reply: WorkerMessage) => {
        if (reply.type === 'standby') {
          this.standing = true;
          this.tell();
        } else if (reply.type === 'ready') {
          resolve();
        } else {
          const current = this.current;
          if (current === undefined || current.id !== reply.id) return;
          if (reply.type === 'heartbeat') current.hooks?.onHeartbeat();
          if (reply.type === 'log' && reply.lines !== undefined) current.onLog?.(reply.lines);
          if (reply.type === 'result' || reply.type === 'callback-done') current.resolve(reply as WorkReply);
        }
      });
      this.child.once('exit', (code, signal) => {
        reject(
          new ChildProcessError(
            `worker for ${this.dagId ?? this.file} exited at start (${code ?? signal}): ${this.stderr.text}`,
          ),
        );
        this.onExit(code, signal);
      });
    });
    this.ready.catch(() => undefined);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Tells the worker the DAG it serves; it becomes ready after that. */
  serve(dagId: string): void {
    if (this.told) return;
    this.dagId = dagId;
    this.tell();
  }

  /** A worker started ahead of any pool keeps no process alive until a pool takes it. */
  detach(): void {
    this.child.unref();
    (this.child.channel as { unref?: () => void } | undefined)?.unref?.();
    (this.child.stderr as { unref?: () => void } | null)?.unref?.();
  }

  attach(): void {
    this.child.ref();
    (this.child.channel as { ref?: () => void } | undefined)?.ref?.();
    (this.child.stderr as { ref?: () => void } | null)?.ref?.();
  }

  /** Stopped by its pool (not failed): its exit is not an error. */
  stopped = false;

  stop(): Promise<void> {
    this.stopped = true;
    return new Promise<void>((resolve) => {
      if (!this.alive) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill();
    });
  }

  private tell(): void {
    if (!this.standing || this.dagId === undefined || this.told || !this.alive) return;
    this.told = true;
    this.child.send({ type: 'dag', dagId: this.dagId });
  }
}

/** Every worker process of this engine that has not exited, so a stop signal can end them all at once. */
const running = new Set<WorkerProcess>();

/**
 * Kills every worker process of this engine now (SIGKILL: a CPU-bound task never runs a handler). `airstep run`
 * calls it on SIGINT/SIGTERM, before the run unwinds: the tries they ran end as interrupted, not as answers.
 */
export function killAllWorkers(): void {
  enginesStopped = true;
  for (const worker of running) {
    // Stopped, not failed: a worker killed while still starting is no error of the run.
    worker.stopped = true;
    if (worker.alive) worker.child.kill('SIGKILL');
  }
}

/** Set by `killAllWorkers`: no pool of this process starts a worker again. */
let enginesStopped = false;

/** Workers started by `startWorkerEarly`, by DAG file, until a pool for that file takes them. */
const early = new Map<string, WorkerProcess[]>();

/**
 * Starts a worker process for a DAG file before its DAG is even loaded here (`airstep run` calls it first): the
 * worker's start-up overlaps this process's own. The first pool for that file takes it; a process that ends
 * without one does not wait for it.
 */
export function startWorkerEarly(file: string, count = 1): void {
  if (early.size === 0) process.once('exit', stopEarlyWorkers);
  const list = early.get(file) ?? [];
  for (let i = 0; i < count; i++) {
    const worker = new WorkerProcess(file, DEFAULT_MAX_OLD_SPACE_MB);
    worker.detach();
    list.push(worker);
  }
  early.set(file, list);
}

/**
 * Kills the workers started early that no pool took (the command refused its input, or the DAG file did not
 * import): one still importing a file that never finishes would otherwise spin on after this process.
 */
function stopEarlyWorkers(): void {
  for (const list of early.values()) for (const worker of list) if (worker.alive) worker.child.kill('SIGKILL');
  early.clear();
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Task tries in separate worker processes, so a task that crashes its process fails only that try (and is
 * retried per its retries) while the engine goes on. Workers are reused; a crashed one is replaced.
 *
 * Given the compiled DAG's tasks, the pool keeps as many workers started as the next waves of tasks can use at
 * once (see WorkerDemand; never more than `size`), so the tasks of a fan-out find a warm worker each instead of
 * waiting for a process to start; workers idle beyond that are stopped. Without them, workers start on demand.
 */
export class ProcessWorkerPool {
  private readonly idle: WorkerProcess[] = [];
  private readonly all = new Set<WorkerProcess>();
  /** Started, not ready yet. */
  private readonly starting = new Set<WorkerProcess>();
  private readonly queue: Waiter[] = [];
  private readonly demand?: WorkerDemand;
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly options: {
      readonly file: string;
      readonly dagId: string;
      readonly size: number;
      /** V8 heap limit per worker, so a runaway task dies alone. @default 1024 */
      readonly maxOldSpaceMb?: number;
      /** The local store root, for XCom values too large to travel inline. */
      readonly xcomRoot?: string;
      /** The compiled DAG's tasks (its manifest's index): the pool starts workers ahead of what they can use. */
      readonly tasks?: readonly PlannedTask[];
      /** A callback's time limit. @default CALLBACK_TIME_LIMIT_MS */
      readonly callbackTimeLimitMs?: number;
    },
  ) {
    if (options.tasks !== undefined) this.demand = new WorkerDemand(options.tasks);
  }

  /**
   * Starts the workers the first tasks will use now (at least one), so loading them (Node, tsx, the DAG file: a
   * few hundred ms) overlaps with compiling and starting the run instead of delaying the first task.
   */
  warm(): void {
    if (this.closed || this.options.size < 1) return;
    this.rebalance(1);
  }

  /** A task of the run changed state (`onTaskChange`): the forecast of workers needed moves on. */
  observe(task: { readonly taskId: string; readonly mapIndex: number; readonly state: TaskState }): void {
    if (this.demand === undefined || task.mapIndex !== -1) return;
    this.demand.observe(task.taskId, task.state);
    this.rebalance(0);
  }

  /** Worker processes started and not stopped (starting, idle or busy). */
  get workers(): number {
    return this.all.size;
  }

  readonly run: TryRunner = async (message, hooks) => {
    // Starting a worker process can take longer than a short HeartbeatSeconds on a busy machine; the pool is
    // alive meanwhile, so it heartbeats for the try until the worker takes over.
    const starting =
      hooks.heartbeatEveryMs !== undefined ? setInterval(hooks.onHeartbeat, hooks.heartbeatEveryMs) : undefined;
    let worker: WorkerProcess | undefined;
    try {
      worker = await this.acquire();
    } catch (error) {
      // The worker meant for this try died while starting (its DAG file threw at import, a kill): the try fails.
      const cause = (error as Error).message;
      return { outcome: { ok: false, error: 'Airstep.WorkerCrashed', cause, try: 0 }, logs: [] };
    } finally {
      clearInterval(starting);
    }
    if (worker === undefined) {
      const cause = 'the run ended before a worker took the try';
      return { outcome: { ok: false, error: 'Airstep.WorkerCrashed', cause, try: 0 }, logs: [] };
    }
    const id = this.nextId++;
    // The worker sends its lines as they are logged, not with its answer: kept here, so a worker that dies
    // mid-try still leaves the lines it logged before.
    const logged: string[] = [];
    const onLog = (lines: readonly string[]) => {
      for (const line of lines) logged.push(line);
      hooks.onLog?.(lines);
    };
    try {
      const reply = await new Promise<WorkReply>((resolve) => {
        worker.current = { id, hooks, onLog, resolve };
        worker.child.send({
          type: 'run',
          id,
          message,
          task: hooks.task,
          heartbeatEveryMs: hooks.heartbeatEveryMs,
          xcomRoot: this.options.xcomRoot,
        });
      });
      if (reply.type === 'result') return { outcome: reply.outcome, logs: [...logged, ...reply.logs] };
      const cause = reply.type === 'crashed' ? reply.cause : 'the worker answered a try with a callback result';
      return {
        outcome: { ok: false, error: 'Airstep.WorkerCrashed', cause, try: 0 },
        logs: [...logged, ...reply.logs],
      };
    } finally {
      worker.current = undefined;
      this.release(worker);
    }
  };

  private callbackWorker?: WorkerProcess;
  private callbacks: Promise<unknown> = Promise.resolve();

  /**
   * Runs a callback in a worker process of its own, one callback after another, so callbacks never wait for a
   * try's worker (a hung try holds one until its run ends) nor take one from the tries. A callback that blocks
   * its process past its time limit (a busy loop the in-process limit cannot interrupt) gets its process killed
   * a few seconds later; the next callback starts a fresh one.
   */
  readonly callback: CallbackRunner = (message) => {
    const next = this.callbacks.then(() => this.runCallback(message));
    this.callbacks = next.catch(() => undefined);
    return next;
  };

  private async runCallback(message: CallbackMessage): Promise<{ result: CallbackResult; logs: string[] }> {
    const where = `DAG ${message.dagId} run ${message.ctx.runId}${message.callback.of === 'task' ? ` task ${message.callback.taskId}` : ''}${message.callback.of === 'deadline' ? ' deadline' : ''}`;
    if (this.closed || enginesStopped) {
      return { result: { status: 'threw', message: `${where}: the run's workers stopped first` }, logs: [] };
    }
    const limitMs = this.options.callbackTimeLimitMs ?? CALLBACK_TIME_LIMIT_MS;
    let worker = this.callbackWorker;
    if (worker === undefined || !worker.alive) {
      const started = new WorkerProcess(
        this.options.file,
        this.options.maxOldSpaceMb ?? DEFAULT_MAX_OLD_SPACE_MB,
        this.options.dagId,
      );
      started.onExit = (code, signal) => {
        const how = signal !== null ? `signal ${signal}` : `exit code ${code}`;
        started.current?.resolve({
          type: 'crashed',
          cause: `the callback's worker process died (${how}): ${started.stderr.text.slice(-1000)}`,
          logs: [],
        });
      };
      worker = started;
      this.callbackWorker = worker;
    }
    try {
      await worker.ready;
    } catch (error) {
      return { result: { status: 'threw', message: `${where}: ${(error as Error).message}` }, logs: [] };
    }
    const id = this.nextId++;
    let blocked = false;
    const reply = await new Promise<WorkReply>((resolve) => {
      const stuck = setTimeout(() => {
        blocked = true;
        void worker.stop();
      }, limitMs + CALLBACK_KILL_GRACE_MS);
      worker.current = {
        id,
        resolve: (answer) => {
          clearTimeout(stuck);
          resolve(answer);
        },
      };
      worker.child.send({ type: 'callback', id, message, timeLimitMs: limitMs });
    });
    worker.current = undefined;
    if (reply.type === 'callback-done') return { result: reply.result, logs: reply.logs };
    if (blocked) {
      const cause = `${message.callback.name} blocked its worker process past ${limitMs} ms; the process was stopped`;
      return { result: { status: 'timed-out', message: `${where}: ${cause}` }, logs: [] };
    }
    const cause = reply.type === 'crashed' ? reply.cause : 'the worker answered a callback with a try result';
    return { result: { status: 'threw', message: `${where}: ${cause}` }, logs: reply.logs };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.queue.splice(0)) waiter.resolve();
    await Promise.all(
      [...this.all, ...(this.callbackWorker !== undefined ? [this.callbackWorker] : [])].map((worker) => worker.stop()),
    );
  }

  /** A ready worker for one try; undefined once the pool is closed. */
  private async acquire(): Promise<WorkerProcess | undefined> {
    for (;;) {
      if (this.closed || enginesStopped) return undefined;
      const idle = this.takeIdle();
      if (idle !== undefined) return idle;
      // Each waiter counts on one starting worker; start one more when there are fewer than waiters.
      if (this.starting.size <= this.queue.length && this.all.size < this.options.size) this.start();
      await new Promise<void>((resolve, reject) => this.queue.push({ resolve, reject }));
    }
  }

  private takeIdle(): WorkerProcess | undefined {
    for (;;) {
      const worker = this.idle.pop();
      if (worker === undefined || worker.alive) return worker;
    }
  }

  private release(worker: WorkerProcess): void {
    if (this.all.has(worker) && worker.alive && !this.closed) this.idle.push(worker);
    // Rebalanced while the waiter this worker goes to is still counted, or its worker is stopped as idle extra.
    this.rebalance(0);
    this.queue.shift()?.resolve();
  }

  /** Starts workers up to what the forecast needs (at least `atLeast`), and stops idle ones beyond it. */
  private rebalance(atLeast: number): void {
    if (this.closed || enginesStopped) return;
    const busy = this.all.size - this.idle.length - this.starting.size;
    const forecast = this.demand?.workers() ?? 0;
    const need = Math.min(this.options.size, Math.max(atLeast, busy + this.queue.length, forecast));
    while (this.all.size < need) this.start();
    if (this.demand === undefined || this.demand.keepIdle()) return;
    // Beyond the need, a worker still starting goes first (a ready one is worth keeping), then idle ones.
    while (this.all.size > need && this.starting.size > this.queue.length) {
      const extra = [...this.starting].at(-1)!;
      this.starting.delete(extra);
      this.all.delete(extra);
      void extra.stop();
    }
    while (this.all.size > need && this.idle.length > 0) {
      const extra = this.idle.shift()!;
      this.all.delete(extra);
      void extra.stop();
    }
  }

  /** Takes a worker started early for this file, or starts one. */
  private start(): WorkerProcess {
    let adopted: WorkerProcess | undefined;
    const maxOldSpaceMb = this.options.maxOldSpaceMb ?? DEFAULT_MAX_OLD_SPACE_MB;
    if (maxOldSpaceMb === DEFAULT_MAX_OLD_SPACE_MB)
      do adopted = early.get(this.options.file)?.shift();
      while (adopted !== undefined && !adopted.alive);
    const worker = adopted ?? new WorkerProcess(this.options.file, maxOldSpaceMb, this.options.dagId);
    if (adopted !== undefined) worker.attach();
    worker.serve(this.options.dagId);
    this.all.add(worker);
    this.starting.add(worker);
    worker.ready.then(
      () => {
        this.starting.delete(worker);
        this.release(worker);
      },
      (error: Error) => {
        this.starting.delete(worker);
        this.all.delete(worker);
        if (worker.stopped) this.queue.shift()?.resolve();
        else this.queue.shift()?.reject(error);
      },
    );
    worker.onExit = (code, signal) => {
      this.all.delete(worker);
      const current = worker.current;
      if (current === undefined) return this.rebalance(0);
      const stderr = worker.stderr;
      const how = signal !== null ? `signal ${signal}` : `exit code ${code}`;
      current.resolve({
        type: 'crashed',
        cause: `the worker process died (${how})${stderr.outOfMemoryNote()}: ${stderr.text.slice(-1000)}`,
        logs: stderr.text === '' ? [] : stderr.text.split('\n'),
      });
    };
    return worker;
  }
}
