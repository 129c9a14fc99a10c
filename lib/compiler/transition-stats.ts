import type { AslState, StateGraph, StateMachineDefinition } from './asl-types.ts';
import { type MappedHistoryEstimate, mappedHistoryEstimate, runHistoryEvents } from './history-estimate.ts';
import type { DagIR, TaskIR } from './ir.ts';
import { latestOnlyStateNames } from './latest-only.ts';
import { STATE_SUFFIX } from './worker-contract.ts';

/**
 * State transitions a run pays for (Standard workflows bill per transition), on the path where every task
 * succeeds at its first try and every sensor finds its target at the first poke.
 */
export interface TransitionStats {
  /** Task id -> transitions for that task (a mapped task: per run of the Map, plus `perItem` for each item). */
  readonly perTask: Readonly<Record<string, { readonly transitions: number; readonly perItem?: number }>>;
  /** Parallel states and the final result states. */
  readonly overhead: number;
  readonly total: number;
  /**
   * History events the same run writes (a Standard execution holds at most 25,000), each mapped task's items
   * included: as many as its literal list or `expectedItems` gives, one where the count is unknown (see `mapped`).
   */
  readonly historyEvents: number;
  /** Mapped task id -> its items' share of `historyEvents`; absent when the DAG maps no task. */
  readonly mapped?: Readonly<Record<string, MappedHistoryEstimate>>;
}

/**
 * Events per state entered: a Task writes entered, scheduled, started, submitted, succeeded and exited; a Map
 * entered, started, succeeded and exited; others (Pass, Choice, Succeed) entered and exited (history-estimate.ts
 * has the AWS references).
 */
const EVENTS: Record<string, number> = { Task: 6, Parallel: 4, Map: 4 };
/**
 * The states around a task's run that a run passes through when they exist: its gate, decision, the write of its
 * record (a task no worker runs: task-instance-write.ts) and signal.
 */
const HELPER_SUFFIXES = [STATE_SUFFIX.gate, STATE_SUFFIX.decide, STATE_SUFFIX.recorded, STATE_SUFFIX.signal];

export function transitionStats(
  ir: DagIR,
  definition: StateMachineDefinition,
  names: ReadonlyMap<string, string>,
): TransitionStats {
  const all = flatten(definition.States);
  const perTask: Record<string, { transitions: number; perItem?: number }> = {};
  const mapped: Record<string, MappedHistoryEstimate> = {};
  let total = 0;
  let events = 0;
  const eventsOf = (state: AslState) => EVENTS[state.Type] ?? 2;
  const visit = (name: string) => {
    const state = all.get(name);
    if (state === undefined) return 0;
    events += eventsOf(state);
    return 1;
  };
  for (const task of ir.tasks) {
    const n = names.get(task.id)!;
    let transitions = 0;
    for (const suffix of HELPER_SUFFIXES) transitions += visit(`${n}${suffix}`);
    for (const name of happyRunStates(task, n)) transitions += visit(name);
    let perItem: number | undefined;
    if (task.kind === 'code' && task.mapping !== undefined) {
      // An item runs its `:item` state (its catch states only when it fails); each item writes its own events.
      const item = all.get(`${n}${STATE_SUFFIX.item}`);
      perItem = item === undefined ? 0 : 1;
      const estimate = mappedHistoryEstimate(task.mapping, item === undefined ? 0 : eventsOf(item));
      const { distributed } = task.mapping;
      mapped[task.id] = distributed !== undefined ? { ...estimate, distributed } : estimate;
      events += runHistoryEvents(mapped[task.id]!);
    }
    perTask[task.id] = perItem !== undefined ? { transitions, perItem } : { transitions };
    total += transitions + (perItem ?? 0);
  }
  let overhead = 0;
  for (const [name, state] of all) {
    if (state.Type === 'Parallel' || name === 'run:result' || name === 'run:succeeded') overhead += visit(name);
  }
  total += overhead;
  return { perTask, overhead, total, historyEvents: events, ...(Object.keys(mapped).length > 0 ? { mapped } : {}) };
}

function happyRunStates(task: TaskIR, n: string): string[] {
  switch (task.kind) {
    case 'wait':
      return [n, `${n}${STATE_SUFFIX.done}`];
    case 's3_sensor':
    case 'poll_sensor':
      return [
        `${n}${STATE_SUFFIX.start}`,
        n,
        `${n}${STATE_SUFFIX.check}`,
        `${n}${STATE_SUFFIX.match}`,
        `${n}${STATE_SUFFIX.found}`,
      ];
    case 'code':
      return task.mapping !== undefined
        ? [`${n}${STATE_SUFFIX.items}`, n, `${n}${STATE_SUFFIX.result}`, `${n}${STATE_SUFFIX.done}`]
        : [n];
    case 'latest_only': {
      // Either record state is one transition: count the path through `:latest`.
      const { clock, check, latest } = latestOnlyStateNames(n);
      return [n, clock, check, latest];
    }
    default:
      return [n];
  }
}

function flatten(states: StateGraph['States'], into = new Map<string, AslState>()): Map<string, AslState> {
  // Keys, not entries: a pair array per state is garbage for 50,000 states.
  for (const name of Object.keys(states)) {
    const state = states[name]!;
    into.set(name, state);
    if (state.Type === 'Parallel') for (const branch of state.Branches) flatten(branch.States, into);
    if (state.Type === 'Map') flatten(state.ItemProcessor.States, into);
  }
  return into;
}
