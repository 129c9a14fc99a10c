import { describe, expect, it } from 'vitest';
import { dag } from '../../lib/index.ts';
import { runDagLocally } from '../../lib/local/run-dag.ts';
import { LocalLimits } from '../../lib/local/slot-limits.ts';
import type { WeightRule } from '../../lib/sdk/weight-rule.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * `start` fans out to `a` and `b`, both in the one-slot pool `one`; `a` feeds `a_after`. The test holds the slot
 * until both wait for it, so the effective weight alone decides which runs first:
 *   downstream: a = 1 + 3 (a_after) = 4, b = 2      -> a first
 *   upstream:   a = 1 + 1 (start) = 2,   b = 2 + 1 -> b first
 *   absolute:   a = 1,                   b = 2      -> b first
 */
async function firstServed(weightRule: WeightRule | undefined): Promise<string[]> {
  const order: string[] = [];
  const d = dag({ id: 'weight_rules', ...(weightRule !== undefined ? { defaultArgs: { weightRule } } : {}) });
  const start = d.task('start', async () => 'go');
  const a = d.task('a', { upstream: start, pool: 'one', priorityWeight: 1 }, async () => order.push('a'));
  d.task('a_after', { upstream: a, priorityWeight: 3 }, async () => 'done');
  d.task('b', { upstream: start, pool: 'one', priorityWeight: 2 }, async () => order.push('b'));
  const limits = new LocalLimits({ one: 1 });
  const pool = limits.pool('one');
  const releaseHeld = await pool.acquire(1);
  const run = runDagLocally({ dag: d, ctx: manualContext(d), limits });
  // Wait for a condition (both tries queued), never for a duration; the run's own end is the backstop.
  let ended = false;
  void run.finally(() => {
    ended = true;
  });
  while (pool.waiting < 2 && !ended) await new Promise((resolve) => setTimeout(resolve, 5));
  releaseHeld();
  const { execution } = await run;
  expect(execution.status).toBe('SUCCEEDED');
  return order;
}

describe('Local engine: weightRule', () => {
  it("serves by Airflow's default rule, downstream, when none is set", async () => {
    expect(await firstServed(undefined)).toEqual(['a', 'b']);
    expect(await firstServed('downstream')).toEqual(['a', 'b']);
  });

  it('serves by the upstream and absolute rules when asked', async () => {
    expect(await firstServed('upstream')).toEqual(['b', 'a']);
    expect(await firstServed('absolute')).toEqual(['b', 'a']);
  });
});
