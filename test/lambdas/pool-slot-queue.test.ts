import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { PoolSlots } from '../../lib/worker/pool-slots.ts';
import { WAITER_LEASE_MS } from '../../lib/worker/slot-waiters.ts';
import { createStackTables, dynamoFor } from '../../localstack/stack-tables.ts';

/**
 * The queue of tries waiting for a pool, on moto's DynamoDB (real conditional writes, serialised as DynamoDB
 * does): who is served after a release, in which order, and what a waiter that stopped asking does. The clock
 * the leases are read against is the test's, moved by hand.
 */
let moto: RunningEmulator;
let dynamo: ReturnType<typeof dynamoFor>;
let table: string;
let now = 1_700_000_000_000;
beforeAll(async () => {
  moto = await startEmulator('moto');
  dynamo = dynamoFor(moto.endpoint);
  table = (await createStackTables(dynamo, 'queue')).poolSlots;
});
afterAll(async () => {
  await moto?.stop();
});

const pools = (capacities: Record<string, number>) => new PoolSlots(dynamo, table, capacities, { now: () => now });
const holder = (taskId: string, executionArn = 'exec-1') => ({ executionArn, taskId, mapIndex: -1, tryNumber: 1 });

/** Lets every waiter ask once (in `askOrder`) per round; the one that gets the slot runs, then gives it back. */
async function serveAll(slots: PoolSlots, pool: string, askOrder: Array<{ task: string; priority: number }>) {
  const served: string[] = [];
  const waiting = [...askOrder];
  for (let round = 0; waiting.length > 0 && round < 20; round++) {
    for (const [index, { task, priority }] of waiting.entries()) {
      if (await slots.take(pool, 1, holder(task), priority)) {
        served.push(task);
        waiting.splice(index, 1);
        await slots.release(pool, 1, holder(task));
        break;
      }
    }
  }
  return served;
}

describe('PoolSlots: tries waiting for a slot', () => {
  it('serves the higher priority first, then arrival order within a priority, whoever asks first', async () => {
    const slots = pools({ q1: 1 });
    expect(await slots.take('q1', 1, holder('holder'))).toBe(true);
    const arrivals = [
      { task: 'low_a', priority: 1 },
      { task: 'high_a', priority: 5 },
      { task: 'low_b', priority: 1 },
      { task: 'high_b', priority: 5 },
    ];
    for (const { task, priority } of arrivals) expect(await slots.take('q1', 1, holder(task), priority)).toBe(false);
    expect(Object.keys(await slots.waiters('q1'))).toHaveLength(4);

    await slots.release('q1', 1, holder('holder'));
    // Each round the latest arrival asks first: asking first after a release wins nothing.
    const served = await serveAll(slots, 'q1', [...arrivals].reverse());

    expect(served).toEqual(['high_a', 'high_b', 'low_a', 'low_b']);
    expect(await slots.waiters('q1')).toEqual({});
    expect(await slots.used('q1')).toBe(0);
  });

  it('gives a freed slot to the best-ranked waiter only, when all of them ask at once', async () => {
    const slots = pools({ q2: 1 });
    expect(await slots.take('q2', 1, holder('holder'))).toBe(true);
    const waiters = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'].map((task, index) => ({ task, priority: (index * 7) % 5 }));
    for (const { task, priority } of waiters) expect(await slots.take('q2', 1, holder(task), priority)).toBe(false);
    await slots.release('q2', 1, holder('holder'));

    const takes = await Promise.all(waiters.map(({ task, priority }) => slots.take('q2', 1, holder(task), priority)));

    // Priorities 0, 2, 4, 1, 3, 0: only w3 (4) may run, however the concurrent writes were ordered.
    expect(waiters.filter((_, index) => takes[index]).map(({ task }) => task)).toEqual(['w3']);
    expect(await slots.used('q2')).toBe(1);
  });

  it("lets the next waiter through once a dead waiter's lease ran out, and drops the dead one", async () => {
    const slots = pools({ q3: 1 });
    expect(await slots.take('q3', 1, holder('holder'))).toBe(true);
    expect(await slots.take('q3', 1, holder('dead'), 10)).toBe(false);
    expect(await slots.take('q3', 1, holder('live'), 1)).toBe(false);
    await slots.release('q3', 1, holder('holder'));

    // `dead` never asks again; until its lease runs out it keeps its place, though the slot is free.
    now += WAITER_LEASE_MS - 1;
    expect(await slots.take('q3', 1, holder('live'), 1)).toBe(false);
    now += 1;
    expect(await slots.take('q3', 1, holder('live'), 1)).toBe(true);

    expect(await slots.waiters('q3')).toEqual({});
  });

  it("keeps a live waiter's place as long as it asks, however long it waits", async () => {
    const slots = pools({ q4: 1 });
    expect(await slots.take('q4', 1, holder('holder'))).toBe(true);
    expect(await slots.take('q4', 1, holder('patient'), 1)).toBe(false);
    expect(await slots.take('q4', 1, holder('later'), 1)).toBe(false);
    for (let ask = 0; ask < 3; ask++) {
      now += WAITER_LEASE_MS / 2;
      expect(await slots.take('q4', 1, holder('patient'), 1)).toBe(false);
    }
    await slots.release('q4', 1, holder('holder'));
    // `later` stopped asking long ago (its lease ran out), `patient` kept its place; `later` asks again and is last.
    expect(await slots.take('q4', 1, holder('later'), 1)).toBe(false);
    expect(await slots.take('q4', 1, holder('patient'), 1)).toBe(true);
  });

  it("removes a finished execution's waiting tries with its slots, so they block no one", async () => {
    const slots = pools({ q5: 1 });
    expect(await slots.take('q5', 1, holder('holder', 'exec-held'))).toBe(true);
    expect(await slots.take('q5', 1, holder('stopped', 'exec-stopped'), 10)).toBe(false);
    expect(await slots.take('q5', 1, holder('next', 'exec-next'), 1)).toBe(false);

    expect(await slots.releaseExecution('exec-held')).toBe(1);
    expect(await slots.take('q5', 1, holder('next', 'exec-next'), 1)).toBe(false);
    expect(await slots.releaseExecution('exec-stopped')).toBe(0);

    expect(Object.keys(await slots.waiters('q5'))).toEqual(['exec-next|next|-1|1']);
    expect(await slots.take('q5', 1, holder('next', 'exec-next'), 1)).toBe(true);
  });

  it('costs one conditional write per take while nobody waits, and one read and one write more per waiting ask', async () => {
    // A counting wrapper around the real client: moto still serves every call.
    const sent: string[] = [];
    const counted = dynamoFor(moto.endpoint);
    const send = counted.send.bind(counted);
    counted.send = ((command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name.replace(/Command$/, ''));
      return send(command as never);
    }) as typeof counted.send;
    const slots = new PoolSlots(counted, table, { q6: 1 }, { now: () => now });

    expect(await slots.take('q6', 1, holder('first'))).toBe(true);
    expect(sent.splice(0)).toEqual(['UpdateItem']);
    expect(await slots.take('q6', 1, holder('second'))).toBe(false);
    expect(sent.splice(0)).toEqual(['UpdateItem', 'GetItem', 'UpdateItem']);
    await slots.release('q6', 1, holder('first'));
    expect(await slots.take('q6', 1, holder('second'))).toBe(true);
    expect(sent.splice(0)).toEqual(['UpdateItem', 'UpdateItem', 'GetItem', 'UpdateItem']);
    // The queue is empty again (an empty map stays behind): back to one write.
    await slots.release('q6', 1, holder('second'));
    sent.length = 0;
    expect(await slots.take('q6', 1, holder('third'))).toBe(true);
    expect(sent).toEqual(['UpdateItem']);
  });
});
