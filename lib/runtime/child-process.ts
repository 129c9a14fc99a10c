import { type ChildProcess, fork } from 'node:child_process';
import type { Readable } from 'node:stream';
import { AirstepError } from '../errors/airstep-error.ts';

/**
 * Forked Node processes that run code Airstep does not control (a DAG file evaluated by dag-sync, a local
 * worker, a dev child): each speaks its own protocol (the local worker and dev child over IPC, the DAG evaluator on
 * a pipe of its own); what they share is here. When one dies, the last of its stderr says why, so that much is
 * kept.
 */

/** Enough for the last frames of a stack trace, or V8's out-of-memory report. */
const STDERR_TAIL_CHARS = 4000;

export interface ForkOptions {
  readonly execArgv?: readonly string[];
  /** @default the parent's environment */
  readonly env?: NodeJS.ProcessEnv;
  /** The child's stdout: dropped, or shared with the parent's. */
  readonly stdout: 'ignore' | 'inherit';
}

/** Forks `module` with an IPC channel (structured clone) and its stderr piped into a `StderrTail`. */
export function forkWithStderrTail(
  module: string,
  args: readonly string[],
  options: ForkOptions,
): { readonly child: ChildProcess; readonly stderr: StderrTail } {
  const child = fork(module, args, {
    ...(options.execArgv !== undefined ? { execArgv: [...options.execArgv] } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    stdio: ['ignore', options.stdout, 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  return { child, stderr: new StderrTail(child.stderr) };
}

/** The last `STDERR_TAIL_CHARS` characters a process wrote to stderr. */
export class StderrTail {
  private kept = '';

  constructor(stream: Readable | null) {
    stream?.on('data', (chunk: Buffer) => {
      this.kept = (this.kept + chunk.toString()).slice(-STDERR_TAIL_CHARS);
    });
  }

  /** What was kept, trimmed. */
  get text(): string {
    return this.kept.trim();
  }

  /** The last `count` lines on one line, for a one-line message. */
  lastLines(count: number): string {
    return this.text.split('\n').slice(-count).join(' ');
  }

  /** ` (out of memory)` when V8 reported running out of heap, else empty: a suffix for the message. */
  outOfMemoryNote(): string {
    return /heap out of memory|Allocation failed/i.test(this.kept) ? ' (out of memory)' : '';
  }
}

/** A forked helper process (a local worker, a dev child) ended before it said it was ready. */
export class ChildProcessError extends AirstepError {
  override readonly name = 'ChildProcessError';

  constructor(message: string) {
    super(message, { code: 'CHILD_PROCESS_ENDED' });
  }
}
