import type { StateGraph } from './asl-types.ts';

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

export function checkLimits(definitionBytes: number, historyEvents: number, taskCount: number): string[] {
  const problems: string[] = [];
  const wayOut = 'split the DAG into several DAGs, or declare repeated tasks once with expand() (dynamic mapping)';
  if (definitionBytes > LIMITS.definitionBytes) {
    problems.push(
      `the state machine definition is ${definitionBytes} bytes, over Step Functions' ${LIMITS.definitionBytes}; ${wayOut}`,
    );
  }
  if (historyEvents > LIMITS.historyEvents) {
    problems.push(
      `a run of these ${taskCount} tasks writes about ${historyEvents} history events, over Step Functions' ` +
        `${LIMITS.historyEvents} per execution; ${wayOut}`,
    );
  }
  return problems;
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
