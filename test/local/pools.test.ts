import { describe, expect, it } from 'vitest';
import { dag } from '../../lib/index.ts';
import { runDagLocally } from '../../lib/local/run-dag.ts';
import { LocalLimits, SlotSemaphore } from '../../lib/local/slot-limits.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * Records how many task functions run at once. A function holds its slot for `ms`, or, given `holdUntil`, until
 * that holds (a condition, so a loaded machine cannot end one task before the next has even asked for a slot).
 */
function concurrencyProbe() {
  let running = 0;
  let peak = 0;
  const order: string[] = [];
  return {
    get peak() {
      return peak;
    },
    order,
    async run(name: string, holdUntil?: () => boolean) {
      running++;
      peak = Math.max(peak, running);
      order.push(name);
      if (holdUntil === undefined) await new Promise((resolve) => setTimeout(resolve, 40));
      while (holdUntil !== undefined && !holdUntil()) await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return name;
    },
  };
}

describe('SlotSemaphore', () => {
  it('serves higher priority weight first, then arrival order, and never overfills', async () => {
    const pool = new SlotSemaphore('pool', 2);
    const releaseFirst = await pool.acquire(2);
    const granted: string[] = [];
    const take = async (name: string, slots: number, priority: number) => {
      const release = await pool.acquire(slots, priority);
      granted.push(name);
      return release;
    };
    const waits = [take('low', 1, 1), take('high', 1, 5), take('big', 2, 1)];
    expect(pool.inUse).toBe(2);
    releaseFirst();
    const [low, high] = await Promise.all([waits[0]!, waits[1]!]);
    expect(granted).toEqual(['high', 'low']);
    expect(pool.inUse).toBe(2);
    high();
    high(); // releasing twice gives the slot back once
    expect(pool.inUse).toBe(1);
    low();
    (await waits[2]!)();
    expect(granted).toEqual(['high', 'low', 'big']);
    expect(pool.inUse).toBe(0);
  });

  it('passes over a better-ranked waiter whose slots do not fit, as Airflow does, and serves it once they do', async () => {
    const pool = new SlotSemaphore('pool', 2);
    const releaseFirst = await pool.acquire(1);
    const granted: string[] = [];
    const big = pool.acquire(2, 9).then((release) => {
      granted.push('big');
      return release;
    });
    const releaseSmall = await pool.acquire(1, 1);
    granted.push('small');
    expect([granted, pool.inUse, pool.waiting]).toEqual([['small'], 2, 1]);
    releaseFirst();
    releaseSmall();
    (await big)();
    expect(granted).toEqual(['small', 'big']);
    expect(pool.inUse).toBe(0);
  });

  it('refuses a request larger than the pool', async () => {
    await expect(new SlotSemaphore("pool 'tiny'", 1).acquire(2)).rejects.toThrow(
      "pool 'tiny' has 1 slots; the task asks for 2",
    );
  });
});

describe('Local engine: pools and maxActiveTasks', () => {
  it('runs at most the pool size of pool tasks at once, heavier priority first', async () => {
    const probe = concurrencyProbe();
    const limits = new LocalLimits({ warehouse: 2 });
    const warehouse = limits.pool('warehouse');
    // Slots are held until every task has started or waits for one: the first slot given back goes to the heaviest.
    const allArrived = () => probe.order.length + warehouse.waiting === 5;
    const d = dag({ id: 'pooled' });
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      d.task(name, { pool: 'warehouse', priorityWeight: name === 'e' ? 10 : 1 }, () => probe.run(name, allArrived));
    }
    const { execution } = await runDagLocally({ dag: d, ctx: manualContext(d), limits });
    expect(execution.status).toBe('SUCCEEDED');
    expect(probe.peak).toBe(2);
    // e arrives last but outranks the others still waiting when the first slots come back.
    expect(probe.order.indexOf('e')).toBeLessThanOrEqual(2);
  });

  it('shares pool slots and maxActiveTasks across concurrent runs', async () => {
    const poolProbe = concurrencyProbe();
    const limits = new LocalLimits({ shared: 2 });
    const shared = limits.pool('shared');
    // Both runs' six tries have started or wait for a slot before any slot is given back: two run at once.
    const allArrived = () => poolProbe.order.length + shared.waiting === 6;
    const pooled = dag({ id: 'pooled_many' });
    for (const name of ['x', 'y', 'z']) pooled.task(name, { pool: 'shared' }, () => poolProbe.run(name, allArrived));
    const runs = await Promise.all(
      ['manual__1', 'manual__2'].map((runId) =>
        runDagLocally({ dag: pooled, ctx: { ...manualContext(pooled), runId }, limits }),
      ),
    );
    expect(runs.map((run) => run.execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(poolProbe.peak).toBe(2);

    const dagProbe = concurrencyProbe();
    const narrow = dag({ id: 'narrow', maxActiveTasks: 1 });
    for (const name of ['p', 'q']) narrow.task(name, () => dagProbe.run(name));
    await Promise.all(
      ['manual__1', 'manual__2'].map((runId) =>
        runDagLocally({ dag: narrow, ctx: { ...manualContext(narrow), runId }, limits }),
      ),
    );
    expect(dagProbe.peak).toBe(1);
    expect(dagProbe.order).toHaveLength(4);
  });

  it('fails a task that asks for more slots than its pool has, without retrying', async () => {
    const d = dag({ id: 'too_big' });
    d.task('huge', { pool: 'tiny', poolSlots: 3, retries: 2, retryDelay: 1 }, async () => 'never');
    const { execution, tasks } = await runDagLocally({
      dag: d,
      ctx: manualContext(d),
      limits: new LocalLimits({ tiny: 2 }),
    });
    expect(execution.status).toBe('FAILED');
    expect(tasks.map((task) => [task.taskId, task.state, task.error])).toEqual([
      ['huge', 'failed', 'NonRetryableError'],
    ]);
  });
});
