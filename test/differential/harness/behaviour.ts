import type { TaskMessage, WorkerTask } from '../../../lib/compiler/worker-contract.ts';
import { runTaskTry } from '../../../lib/runtime/task-runner.ts';
import type { Dag } from '../../../lib/sdk/dag.ts';

/**
 * What one task try does, written once and played by both sides: the local engine's in-process runTry and the
 * test worker that answers the emulator's SQS messages. Times are in seconds of the side's own clock (the local
 * engine runs on a fast Clock, the emulator in real time), so "sleep past executionTimeout" means the same on both.
 */
export type Behaviour =
  /** Answer SendTaskSuccess with this output (default `'<task> done'`, `'<task>[i] done'` for a mapped item). */
  | { readonly kind: 'succeed'; readonly output?: unknown; readonly outputOf?: (message: TaskMessage) => unknown }
  /** Answer SendTaskFailure with this error name, as the worker names a thrown error. */
  | { readonly kind: 'fail'; readonly error: string; readonly cause: string }
  /** Run the DAG's own task function with the shared task runner, as the Lambda and Fargate workers do. */
  | { readonly kind: 'function' }
  /** Wait, heartbeating every `heartbeatEvery` seconds during the first `heartbeatFor` seconds, then go on. */
  | {
      readonly kind: 'sleep';
      readonly seconds: number;
      readonly heartbeatEvery?: number;
      readonly heartbeatFor?: number;
      readonly then: Behaviour;
    }
  /** The n-th message for this task (or mapped item) plays `calls[n - 1]`, the last one repeating: sensor pokes. */
  | { readonly kind: 'byCall'; readonly calls: readonly Behaviour[] }
  /** Try n plays `tries[n - 1]`; the last one repeats. */
  | { readonly kind: 'byTry'; readonly tries: readonly Behaviour[] }
  /**
   * Wait until a try of `taskId` has started (at most `limitSeconds` of real time, so a join that never starts
   * early shows up as an order of events, not a hang), then go on.
   */
  | { readonly kind: 'afterStartOf'; readonly taskId: string; readonly limitSeconds: number; readonly then: Behaviour }
  /** A mapped item plays its own behaviour by map index. */
  | { readonly kind: 'byItem'; readonly items: Readonly<Record<number, Behaviour>>; readonly otherwise: Behaviour };

/** Per task id; tasks not in the table play the case's default behaviour. */
export type BehaviourTable = Readonly<Record<string, Behaviour>>;

/** A worker's answer to one try: SendTaskSuccess with `{ output, try }`, or SendTaskFailure. */
export type Answer =
  | { readonly ok: true; readonly output: unknown }
  | { readonly ok: false; readonly error: string; readonly cause: string };

export const succeed = (output?: unknown): Behaviour =>
  output === undefined ? { kind: 'succeed' } : { kind: 'succeed', output };
export const succeedWith = (outputOf: (message: TaskMessage) => unknown): Behaviour => ({ kind: 'succeed', outputOf });
export const fail = (error = 'Error'): Behaviour => ({ kind: 'fail', error, cause: `${error}: raised by the test` });
export const nonRetryable = (): Behaviour => fail('NonRetryableError');
/** Answers as the worker does for a thrown SkipError: its name, the reason as the cause. */
export const skip = (reason = 'nothing to do'): Behaviour => ({ kind: 'fail', error: 'SkipError', cause: reason });
export const failTimes = (times: number, then: Behaviour = succeed()): Behaviour => ({
  kind: 'byTry',
  tries: [...Array.from({ length: times }, () => fail()), then],
});
export const sleepThen = (
  seconds: number,
  then: Behaviour,
  heartbeats: { every?: number; for?: number } = {},
): Behaviour => ({
  kind: 'sleep',
  seconds,
  then,
  ...(heartbeats.every !== undefined ? { heartbeatEvery: heartbeats.every } : {}),
  ...(heartbeats.for !== undefined ? { heartbeatFor: heartbeats.for } : {}),
});
export const byCall = (...calls: Behaviour[]): Behaviour => ({ kind: 'byCall', calls });
export const runFunction = (): Behaviour => ({ kind: 'function' });
export const afterStartOf = (taskId: string, then: Behaviour, limitSeconds = 30): Behaviour => ({
  kind: 'afterStartOf',
  taskId,
  limitSeconds,
  then,
});
export const byItem = (items: Record<number, Behaviour>, otherwise: Behaviour = succeed()): Behaviour => ({
  kind: 'byItem',
  items,
  otherwise,
});

/** What a side gives a behaviour: its clock and its way to heartbeat. */
export interface Side {
  readonly dag: Dag;
  /** The compiled DAG's tasks, as a worker reads them from its manifest (the `function` behaviour needs them). */
  readonly tasks?: ReadonlyMap<string, WorkerTask>;
  /** How many messages for this task (or mapped item) came before this one. */
  readonly callIndex: number;
  /** Milliseconds of this side's clock. */
  sleep(ms: number): Promise<void>;
  heartbeat(): void;
  /** Resolves once a try of `taskId` has started on this side (the `afterStartOf` behaviour needs it). */
  started?(taskId: string): Promise<void>;
  /** How often the real worker heartbeats this task, in real milliseconds (a third of HeartbeatSeconds). */
  heartbeatEveryMs(taskId: string): number | undefined;
}

export async function play(behaviour: Behaviour, message: TaskMessage, side: Side): Promise<Answer> {
  switch (behaviour.kind) {
    case 'succeed': {
      const fallback = message.mapIndex >= 0 ? `${message.taskId}[${message.mapIndex}] done` : `${message.taskId} done`;
      const output = behaviour.outputOf?.(message) ?? behaviour.output ?? fallback;
      return { ok: true, output };
    }
    case 'fail':
      return { ok: false, error: behaviour.error, cause: behaviour.cause };
    case 'function': {
      const everyMs = side.heartbeatEveryMs(message.taskId);
      if (side.tasks === undefined) throw new Error('the function behaviour needs the compiled tasks (Side.tasks)');
      const outcome = await runTaskTry(side.dag, side.tasks.get(message.taskId), message, {
        ...(everyMs !== undefined ? { heartbeat: { everyMs, send: side.heartbeat } } : {}),
      });
      return outcome.ok
        ? { ok: true, output: outcome.result.output }
        : { ok: false, error: outcome.error, cause: outcome.cause };
    }
    case 'sleep': {
      const every = behaviour.heartbeatEvery;
      const beatUntil = behaviour.heartbeatFor ?? behaviour.seconds;
      let elapsed = 0;
      while (elapsed < behaviour.seconds) {
        if (every !== undefined && elapsed < beatUntil) side.heartbeat();
        const step = Math.min(every ?? behaviour.seconds, behaviour.seconds - elapsed);
        await side.sleep(step * 1000);
        elapsed += step;
      }
      return play(behaviour.then, message, side);
    }
    case 'afterStartOf': {
      if (side.started === undefined) throw new Error('the afterStartOf behaviour needs Side.started');
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, behaviour.limitSeconds * 1000);
      });
      await Promise.race([side.started(behaviour.taskId), limit]);
      clearTimeout(timer);
      return play(behaviour.then, message, side);
    }
    case 'byCall':
      return play(behaviour.calls[Math.min(side.callIndex, behaviour.calls.length - 1)]!, message, side);
    case 'byTry':
      return play(behaviour.tries[Math.min(message.retryCount, behaviour.tries.length - 1)]!, message, side);
    case 'byItem':
      return play(behaviour.items[message.mapIndex] ?? behaviour.otherwise, message, side);
  }
}
