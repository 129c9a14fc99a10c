import type { RunContext } from '../../lib/compiler/worker-contract.ts';
import type { Dag } from '../../lib/sdk/dag.ts';

/** A manual run's context on a fixed date, params filled from their defaults. */
export function manualContext(dag: Dag, conf: Record<string, unknown> = {}): RunContext {
  const params = Object.fromEntries(
    Object.entries(dag.options.params ?? {}).map(([name, spec]) => [
      name,
      conf[name] ?? (spec as { default?: unknown }).default,
    ]),
  );
  const at = '2026-11-22T06:00:00+00:00';
  return {
    dagId: dag.id,
    runId: `manual__${at}`,
    runType: 'manual',
    logicalDate: at,
    ds: '2026-11-22',
    dsNodash: '20261122',
    ts: at,
    dataIntervalStart: at,
    dataIntervalEnd: at,
    params,
    conf,
  };
}
