import type { DagIR } from '../../../lib/compiler/ir.ts';
import type { TaskMessage } from '../../../lib/compiler/worker-contract.ts';
import type { Answer } from './behaviour.ts';

/**
 * What a run is judged by, read the same way on both sides: the final execution status, each task's record in
 * the run's final payload `{ ctx, tasks, gates }` (state, try, output, error name, branch follow flags), and the
 * worker's own log of every try it was asked for (the message it got and what it answered).
 */
export interface Observed {
  readonly status: string;
  readonly error?: string;
  /** By task id; only tasks the final payload has a record of. */
  readonly tasks: Readonly<Record<string, TaskView>>;
  /** By `task` or `task[mapIndex]`, in the order the worker got them. */
  readonly calls: Readonly<Record<string, readonly CallRecord[]>>;
  /** For each pair a case asks about (`before`), whether the first event came first on this side. */
  readonly order?: Readonly<Record<string, boolean>>;
}

export interface TaskView {
  readonly state: string;
  readonly try?: number;
  readonly output?: unknown;
  /** The error name only: moto 5.2.5 drops the cause of SendTaskFailure (see MOTO_GAPS). */
  readonly error?: string;
  readonly [field: string]: unknown;
}

/** One try as the worker saw it; token, execution ARN and DAG version differ by side and are left out. */
export interface CallRecord {
  readonly kind: TaskMessage['kind'];
  readonly retryCount: number;
  readonly ctx: unknown;
  readonly inputs: unknown;
  readonly item?: unknown;
  readonly partial?: unknown;
  /** `ok` with the output, or the error name; `pending` if the try never ended (cannot happen after a drain). */
  answer: { readonly ok: true; readonly output: unknown } | { readonly ok: false; readonly error: string } | 'pending';
}

export const callKey = (message: Pick<TaskMessage, 'taskId' | 'mapIndex'>) =>
  message.mapIndex >= 0 ? `${message.taskId}[${message.mapIndex}]` : message.taskId;

/** The worker's log of tries: records each message, and waits for tries still running before it is read. */
export class CallLog {
  private readonly calls: Record<string, CallRecord[]> = {};
  private readonly running = new Set<Promise<unknown>>();
  /** `<key>:start` when a try is asked for, `<key>:end` when it is answered, in the order they happened. */
  readonly events: string[] = [];
  private readonly waiters = new Map<string, Array<() => void>>();

  /** Resolves once a try of `key` (a task id, or `task[i]`) has started. */
  started(key: string): Promise<void> {
    if (this.calls[key] !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.set(key, [...(this.waiters.get(key) ?? []), resolve]);
    });
  }

  /** Whether each event named first in a pair happened before the second (both must have happened). */
  orderOf(pairs: ReadonlyArray<readonly [string, string]>): Record<string, boolean> {
    return Object.fromEntries(
      pairs.map(([first, second]) => {
        const a = this.events.indexOf(first);
        const b = this.events.indexOf(second);
        return [`${first} < ${second}`, a >= 0 && b >= 0 && a < b];
      }),
    );
  }

  /** Logs a message, plays it, logs the answer; returns the answer for the side to send. */
  async track(message: TaskMessage, play: (callIndex: number) => Promise<Answer>): Promise<Answer> {
    const record: CallRecord = {
      kind: message.kind,
      retryCount: message.retryCount,
      ctx: message.ctx,
      inputs: message.inputs,
      ...(message.item !== undefined ? { item: message.item } : {}),
      ...(message.partial !== undefined ? { partial: message.partial } : {}),
      answer: 'pending',
    };
    const key = callKey(message);
    this.calls[key] ??= [];
    const calls = this.calls[key];
    calls.push(record);
    this.events.push(`${key}:start`);
    for (const wake of this.waiters.get(key) ?? []) wake();
    this.waiters.delete(key);
    const running = play(calls.length - 1).then((answer) => {
      record.answer = answer.ok ? { ok: true, output: answer.output } : { ok: false, error: answer.error };
      this.events.push(`${key}:end`);
      return answer;
    });
    this.running.add(running);
    try {
      return await running;
    } finally {
      this.running.delete(running);
    }
  }

  /** Waits for tries whose state already gave up (a timeout) to finish playing, so the log is complete. */
  async drain(): Promise<Record<string, CallRecord[]>> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    return Object.fromEntries(Object.entries(this.calls).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

/**
 * Each task's record in a payload, by task id: the error object (and a SkipError's, `skip`) reduced to its name;
 * the reason is its cause, which moto drops.
 */
export function taskViews(payload: unknown, ir: DagIR): Record<string, TaskView> {
  const records = (payload as { tasks?: Record<string, Record<string, unknown>> } | undefined)?.tasks ?? {};
  const views: Record<string, TaskView> = {};
  for (const task of ir.tasks) {
    const record = records[task.key];
    if (record === undefined) continue;
    const { error, skip, ...rest } = record;
    const name = (error as { Error?: unknown } | undefined)?.Error;
    const skipped = (skip as { Error?: unknown } | undefined)?.Error;
    views[task.id] = {
      ...(rest as { state: string }),
      ...(name !== undefined ? { error: String(name) } : {}),
      ...(skipped !== undefined ? { skip: String(skipped) } : {}),
    };
  }
  return views;
}

/** The payload a run ended with: the input of the last top-level state it entered (its Succeed or Fail state). */
export function finalPayload(
  entered: ReadonlyArray<{ readonly name: string; readonly input: unknown }>,
  topLevel: ReadonlySet<string>,
): unknown {
  return entered.filter((entry) => topLevel.has(entry.name)).at(-1)?.input;
}
