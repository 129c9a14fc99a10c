import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { PoolSlots } from '../../lib/worker/pool-slots.ts';
import { createStackTables, dynamoFor } from '../../localstack/stack-tables.ts';

/** The pool semaphore on moto's DynamoDB (real conditional updates). */
let moto: RunningEmulator;
let pools: PoolSlots;
let table: string;
beforeAll(async () => {
  moto = await startEmulator('moto');
  const dynamo = dynamoFor(moto.endpoint);
  const tables = await createStackTables(dynamo, 'pools');
  table = tables.poolSlots;
  pools = new PoolSlots(dynamo, table, { warehouse: 3 });
});
afterAll(async () => {
  await moto?.stop();
});

const holder = (executionArn: string, taskId: string, tryNumber = 1) => ({
  executionArn,
  taskId,
  mapIndex: -1,
  tryNumber,
});

describe('PoolSlots', () => {
  it('never overfills a pool, even under concurrent takes; releases count once', async () => {
    const takes = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((task) => pools.take('warehouse', 1, holder('exec-1', task))),
    );
    expect(takes.filter(Boolean)).toHaveLength(3);
    expect(await pools.used('warehouse')).toBe(3);
    // The two that lost wait in the queue; they give up here, so they leave it.
    const losers = ['a', 'b', 'c', 'd', 'e'].filter((_, index) => !takes[index]);
    expect(Object.keys(await pools.waiters('warehouse'))).toHaveLength(2);
    for (const loser of losers) await pools.withdraw('warehouse', holder('exec-1', loser));
    expect(await pools.waiters('warehouse')).toEqual({});
    const winner = ['a', 'b', 'c', 'd', 'e'][takes.indexOf(true)]!;
    await pools.release('warehouse', 1, holder('exec-1', winner));
    await pools.release('warehouse', 1, holder('exec-1', winner));
    expect(await pools.used('warehouse')).toBe(2);
    expect(await pools.take('warehouse', 2, holder('exec-2', 'heavy'))).toBe(false);
    // One slot is free: `heavy` (two slots) does not fit, so `light` goes ahead of it, as Airflow lets it.
    expect(await pools.take('warehouse', 1, holder('exec-2', 'light'))).toBe(true);
    await pools.withdraw('warehouse', holder('exec-2', 'heavy'));
    // A redelivered try that already holds its slots counts as holding them, without taking more.
    expect(await pools.take('warehouse', 1, holder('exec-2', 'light'))).toBe(true);
    expect(await pools.used('warehouse')).toBe(3);
    expect(await pools.waiters('warehouse')).toEqual({});
  });

  it('gives back what a finished execution still holds, and refuses a task larger than its pool', async () => {
    expect(await pools.releaseExecution('exec-1')).toBe(2);
    expect(await pools.used('warehouse')).toBe(1);
    expect(await pools.releaseExecution('exec-1')).toBe(0);
    await expect(pools.take('warehouse', 4, holder('exec-3', 'huge'))).rejects.toThrow(
      "pool 'warehouse' has 3 slots; the task asks for 4",
    );
    expect(pools.capacity('unsized')).toBe(128);
  });

  it("lets a task's next try free the slot its dead worker's try still held, and no one else's", async () => {
    const solo = new PoolSlots(dynamoFor(moto.endpoint), table, { solo: 1 });
    expect(await solo.take('solo', 1, holder('exec-9', 'load', 1))).toBe(true);
    // Another task instance waits: the slot is not its to free.
    expect(await solo.take('solo', 1, holder('exec-9', 'other', 2))).toBe(false);
    // Step Functions started try 2 of `load`, so try 1 is over: try 2 frees its slot, then queues behind `other`,
    // which waited first.
    expect(await solo.take('solo', 1, holder('exec-9', 'load', 2))).toBe(false);
    expect(await solo.used('solo')).toBe(0);
    expect(await solo.take('solo', 1, holder('exec-9', 'other', 2))).toBe(true);
    await solo.release('solo', 1, holder('exec-9', 'other', 2));
    expect(await solo.take('solo', 1, holder('exec-9', 'load', 2))).toBe(true);
    expect(await solo.used('solo')).toBe(1);
    await solo.release('solo', 1, holder('exec-9', 'load', 1));
    expect(await solo.used('solo')).toBe(1);
    await solo.release('solo', 1, holder('exec-9', 'load', 2));
    expect(await solo.used('solo')).toBe(0);
  });
});
