import type { RunContext } from '../../../lib/compiler/worker-contract.ts';
import type { Dag } from '../../../lib/sdk/dag.ts';
import type { MiniStackGap, MotoFieldGap, MotoGap } from '../gaps.ts';
import type { Behaviour, BehaviourTable } from './behaviour.ts';
import type { Observed, TaskView } from './observe.ts';

/** One differential case: a DAG, the behaviour of its tasks, and what Airflow's semantics say must come out. */
export interface DifferentialCase {
  readonly name: string;
  readonly dag: Dag;
  /** Per task id; tasks not listed play `defaultBehaviour`. */
  readonly behaviours?: BehaviourTable;
  /** @default succeed with `'<task> done'` */
  readonly defaultBehaviour?: Behaviour;
  /** @default a manual run on 2026-11-22 with the params' defaults */
  readonly ctx?: RunContext;
  /**
   * How many times faster the local engine's clock runs (waits, retry delays, timeouts, heartbeats). Cases that
   * measure heartbeats and timeouts keep a slower clock so event-loop lag stays small against them (the test
   * process also runs the emulator side's workers).
   * @default 20
   */
  readonly speed?: number;
  /** The outcome Airflow's semantics require; checked against the local engine whether or not it is compared. */
  readonly expected: Expected;
  /** Why moto cannot run this case (MOTO_GAPS): then it is not compared on moto. */
  readonly motoGaps?: readonly MotoGap[];
  /** A field moto reports differently (MOTO_FIELD_GAPS): left out of this case's comparison, nothing else. */
  readonly motoFieldGaps?: readonly MotoFieldGap[];
  /** Why MiniStack cannot run it either (MINISTACK_GAPS); cases moto cannot run are compared on MiniStack. */
  readonly ministackGaps?: readonly MiniStackGap[];
  /**
   * Pairs of worker events (`<task>:start` when a try is asked for, `<task>:end` when it is answered) whose order
   * both sides must show: the first before the second.
   */
  readonly before?: ReadonlyArray<readonly [string, string]>;
  /** Services the local engine's native steps use (the emulator's): set for cases with native steps. */
  readonly native?: boolean;
}

/** The parts of an outcome a case pins down: status, and per task its state and any of try, output, error. */
export interface Expected {
  readonly status: Observed['status'];
  readonly error?: string;
  readonly tasks: Readonly<Record<string, Partial<TaskView> & { readonly state: string }>>;
  /** Tries the worker was asked for, per `task` or `task[mapIndex]`. */
  readonly tries?: Readonly<Record<string, number>>;
}

/** Tries per call key, as the worker log counts them. */
export function triesOf(observed: Observed): Record<string, number> {
  return Object.fromEntries(Object.entries(observed.calls).map(([key, calls]) => [key, calls.length]));
}

/**
 * Starts every case (at most `limit` at once; most of a case's time is waiting on the emulator) and returns its
 * run by name, to be awaited by the test that checks it.
 */
export function startCases<R>(
  cases: readonly DifferentialCase[],
  limit: number,
  run: (test: DifferentialCase) => Promise<R>,
): Map<string, Promise<R>> {
  const started = pooled(cases, limit, run);
  // Checked later by their tests; until then a failure must not count as an unhandled rejection.
  for (const promise of started) promise.catch(() => undefined);
  return new Map(cases.map((test, i) => [test.name, started[i]!]));
}

/** Runs `work` over `items` with at most `limit` at once; each result settles on its own. */
export function pooled<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R>[] {
  let active = 0;
  const queue: Array<() => void> = [];
  const next = () => {
    active--;
    queue.shift()?.();
  };
  return items.map(
    (item) =>
      new Promise<R>((resolve, reject) => {
        const start = () => {
          active++;
          work(item).then(resolve, reject).finally(next);
        };
        if (active < limit) start();
        else queue.push(start);
      }),
  );
}
