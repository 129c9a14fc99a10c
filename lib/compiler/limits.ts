import type { StateGraph } from './asl-types.ts';
import { historyOverflow, type MappedHistoryEstimate } from './history-estimate.ts';
import type { TransitionStats } from './transition-stats.ts';

/**
 * Step Functions quotas a compiled DAG must fit.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
export const LIMITS = {
  /** Maximum size of a state machine definition. */
  definitionBytes: 1_048_576,
  /** A Standard workflow execution's history holds at most this many events. */
  historyEvents: 25_000,
  /**
   * A Standard workflow execution runs at most one year, so no timeout, heartbeat, retry delay or wait can be
   * longer (`TimeoutSeconds`, `HeartbeatSeconds`, `IntervalSeconds`, `MaxDelaySeconds`, a Wait's `Seconds`).
   */
  executionSeconds: 365 * 24 * 3600,
} as const;

/** Why a duration of `ms` cannot be compiled, or undefined when it fits a Standard execution. */
export function durationLimitProblem(ms: number): string | undefined {
  if (ms <= LIMITS.executionSeconds * 1000) return undefined;
  const days = Math.round((ms / 86_400_000) * 10) / 10;
  return `must be at most 365 days (a Step Functions Standard execution runs at most one year), got ${days} days`;
}

/** A limit a compiled DAG passes: on a task's field, or on the DAG's `tasks` as a whole. */
export interface LimitProblem {
  readonly taskId?: string;
  readonly field: string;
  readonly message: string;
}

export function checkLimits(
  definitionBytes: number,
  history: Pick<TransitionStats, 'historyEvents' | 'mapped'>,
  taskCount: number,
): LimitProblem[] {
  const problems: LimitProblem[] = [];
  const wayOut = 'split the DAG into several DAGs, or declare repeated tasks once with expand() (dynamic mapping)';
  if (definitionBytes > LIMITS.definitionBytes) {
    problems.push({
      field: 'tasks',
      message: `the state machine definition is ${definitionBytes} bytes, over Step Functions' ${LIMITS.definitionBytes}; ${wayOut}`,
    });
  }
  const { historyEvents } = history;
  const overflow = historyOverflow(history, LIMITS.historyEvents);
  for (const taskId of overflow.mappings) {
    const others = overflow.mappings.filter((id) => id !== taskId);
    problems.push({ taskId, ...mappedProblem(history.mapped![taskId]!, historyEvents, others) });
  }
  if (overflow.withoutItems) {
    problems.push({
      field: 'tasks',
      message:
        `a run of these ${taskCount} tasks writes about ${historyEvents} history events, over Step Functions' ` +
        `${LIMITS.historyEvents} per execution; ${wayOut}`,
    });
  }
  return problems;
}

/** The refusal of a mapped task whose items push a run over the history quota, on the field that gives its count. */
function mappedProblem(
  m: MappedHistoryEstimate,
  historyEvents: number,
  /** The other mapped tasks refused with it. */
  others: readonly string[],
): { field: string; message: string } {
  const items = m.items!;
  // Each item less saves `eventsPerItem`: this many fit with the rest of the run as it is.
  const fit = items - Math.ceil((historyEvents - LIMITS.historyEvents) / m.eventsPerItem);
  const from = m.itemsFrom === 'literal' ? 'of its literal list' : 'it expects (expectedItems)';
  const how = '(put several into one item, or spread them over several runs)';
  const besides = others.map((id) => `'${id}'`).join(', ');
  // Alone, a refused mapping always fits with fewer items (the run fits with it at one item).
  const way =
    fit >= 1
      ? `map over at most ${fit} items in a run here${others.length > 0 ? `, with ${besides} as they are` : ''} ${how}`
      : `beside ${besides} (also refused) there is no room for them: map over fewer items in a run in each ${how}`;
  return {
    field: m.itemsFrom === 'literal' ? 'over' : 'expectedItems',
    message:
      `the ${items} items ${from} write about ${m.historyEvents} history events (${m.eventsPerItem} per item), ` +
      `and a run about ${historyEvents}, over Step Functions' ${LIMITS.historyEvents} per execution: an inline Map ` +
      `writes every item's events into the run's own history; ${way}`,
  };
}

/** All states, nested ones (Parallel branches, Map processors) included. */
export function countStates(definition: StateGraph): { total: number } {
  let total = 0;
  for (const state of Object.values(definition.States)) {
    total++;
    if (state.Type === 'Parallel') for (const branch of state.Branches) total += countStates(branch).total;
    if (state.Type === 'Map') total += countStates(state.ItemProcessor).total;
  }
  return { total };
}
