import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TaskMessage, TaskOutcome, WorkerTask } from '../compiler/worker-contract.ts';
import { ChildProcessError, forkWithStderrTail } from '../runtime/child-process.ts';

/** How one try is run: its task's compiled facts, heartbeat cadence (real milliseconds) and where heartbeats go. */
export interface TryHooks {
  readonly task: WorkerTask | undefined;
  readonly heartbeatEveryMs?: number;
  readonly onHeartbeat: () => void;
}

/** Runs one task try somewhere and reports its outcome and log lines. */
export type TryRunner = (message: TaskMessage, hooks: TryHooks) => Promise<{ outcome: TaskOutcome; logs: string[] }>;

interface Worker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  current?: {
    id: number;
    tryNumber: number;
    hooks: TryHooks;
    resolve: (result: { outcome: TaskOutcome; logs: string[] }) => void;
  };
}

/**
 * Task tries in separate worker processes, so a task that crashes its process fails only that try (and is
 * retried per its retries) while the engine goes on. Workers are reused; a crashed one is replaced.
 */
export class ProcessWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly queue: Array<() => void> = [];
  private nextId = 0;
  private closed = false;
  /** The worker `warm()` started, until the first try takes it. */
  private warming: Promise<Worker | undefined> | undefined;

  constructor(
    private readonly options: {
      readonly file: string;
      readonly dagId: string;
      readonly size: number;
      /** V8 heap limit per worker, so a runaway task dies alone. @default 1024 */
      readonly maxOldSpaceMb?: number;
      /** The local store root, for XCom values too large to travel inline. */
      readonly xcomRoot?: string;
    },
  ) {}

  /**
   * Starts one worker now, so loading it (Node, tsx, the DAG file: a few hundred ms) overlaps with compiling
   * and starting the run instead of delaying the first task.
   */
  warm(): void {
    if (this.all.size > 0 || this.closed || this.options.size < 1) return;
    const worker = this.spawn();
    this.warming = worker.ready.then(
      () => worker,
      () => undefined,
    );
  }

  readonly run: TryRunner = async (message, hooks) => {
    // Starting a worker process can take longer than a short HeartbeatSeconds on a busy machine; the pool is
    // alive meanwhile, so it heartbeats for the try until the worker takes over.
    const starting =
      hooks.heartbeatEveryMs !== undefined ? setInterval(hooks.onHeartbeat, hooks.heartbeatEveryMs) : undefined;
    let worker: Worker;
    try {
      worker = await this.acquire();
    } finally {
      clearInterval(starting);
    }
    const id = this.nextId++;
    try {
      return await new Promise((resolve) => {
        worker.current = { id, tryNumber: message.retryCount + 1, hooks, resolve };
        worker.child.send({
          type: 'run',
          id,
          message,
          task: hooks.task,
          heartbeatEveryMs: hooks.heartbeatEveryMs,
          xcomRoot: this.options.xcomRoot,
        });
      });
    } finally {
      worker.current = undefined;
      this.release(worker);
    }
  };

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.all].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.child.exitCode !== null || worker.child.signalCode !== null) return resolve();
            worker.child.once('exit', () => resolve());
            worker.child.kill();
          }),
      ),
    );
  }

  private async acquire(): Promise<Worker> {
    const warming = this.warming;
    this.warming = undefined;
    const warmed = warming !== undefined ? await warming : undefined;
    if (warmed !== undefined && warmed.child.exitCode === null && warmed.child.signalCode === null) return warmed;
    for (;;) {
      const idle = this.idle.pop();
      if (idle !== undefined && idle.child.exitCode === null && idle.child.signalCode === null) return idle;
      if (this.all.size < this.options.size) {
        const worker = this.spawn();
        await worker.ready;
        return worker;
      }
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
  }

  private release(worker: Worker): void {
    if (this.all.has(worker) && !this.closed) this.idle.push(worker);
    this.queue.shift()?.();
  }

  private spawn(): Worker {
    const entry = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
    const { child, stderr } = forkWithStderrTail(entry, [this.options.file, this.options.dagId], {
      execArgv: [
        '--import',
        import.meta.resolve('tsx/esm'),
        `--max-old-space-size=${this.options.maxOldSpaceMb ?? 1024}`,
      ],
      stdout: 'inherit',
    });
    const worker: Worker = {
      child,
      ready: new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) =>
          reject(new ChildProcessError(`worker for ${this.options.dagId} exited at start (${code}): ${stderr.text}`)),
        );
      }),
    };
    worker.ready.catch(() => undefined);
    child.on('message', (reply: { type: string; id?: number; outcome?: TaskOutcome; logs?: string[] }) => {
      const current = worker.current;
      if (current === undefined || current.id !== reply.id) return;
      if (reply.type === 'heartbeat') current.hooks.onHeartbeat();
      if (reply.type === 'result') current.resolve({ outcome: reply.outcome!, logs: reply.logs ?? [] });
    });
    child.on('exit', (code, signal) => {
      this.all.delete(worker);
      const current = worker.current;
      if (current === undefined) return;
      const how = signal !== null ? `signal ${signal}` : `exit code ${code}`;
      current.resolve({
        outcome: {
          ok: false,
          error: 'Airstep.WorkerCrashed',
          cause: `the worker process died (${how})${stderr.outOfMemoryNote()}: ${stderr.text.slice(-1000)}`,
          try: 0,
        },
        logs: stderr.text === '' ? [] : stderr.text.split('\n'),
      });
    });
    this.all.add(worker);
    return worker;
  }
}
