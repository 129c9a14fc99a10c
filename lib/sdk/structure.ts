import { type Dependency, flatten } from './task-ref.ts';

/**
 * Sets dependencies along a chain, as Airflow's `chain`: `chain(a, [b, c], d)` makes b and c run after a and
 * d after both. Two adjacent lists must have the same length and are linked pairwise.
 */
export function chain(...steps: Dependency[]): void {
  for (let i = 1; i < steps.length; i++) {
    const before = steps[i - 1]!;
    const after = steps[i]!;
    if (Array.isArray(before) && Array.isArray(after)) {
      if (before.length !== after.length) {
        const first = flatten(before)[0] ?? flatten(after)[0];
        first?.graph.problem({
          field: 'chain',
          message: `adjacent lists must have the same length to link pairwise (${before.length} and ${after.length})`,
        });
        continue;
      }
      before.forEach((upstream, index) => {
        for (const node of flatten(upstream)) node.then(after[index] as Dependency);
      });
      continue;
    }
    for (const node of flatten(before)) node.then(after);
  }
}

/** Makes every task in `downstream` run after every task in `upstream` (Airflow's `cross_downstream`). */
export function crossDownstream(upstream: Dependency, downstream: Dependency): void {
  for (const node of flatten(upstream)) node.then(downstream);
}

/** `a -> [b, c, …]`; returns the downstream list. */
export function fanOut<D extends Dependency>(upstream: Dependency, downstream: D): D {
  crossDownstream(upstream, downstream);
  return downstream;
}

/** `[a, b, …] -> z`; returns `z`. */
export function fanIn<D extends Dependency>(upstream: Dependency, downstream: D): D {
  crossDownstream(upstream, downstream);
  return downstream;
}
