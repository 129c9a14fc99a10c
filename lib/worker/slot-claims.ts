import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PoolSlots, type SlotHolder } from './pool-slots.ts';

/**
 * The slot counters a try must hold before it runs: one of its DAG's `maxActiveTasks` (Airflow's limit on a
 * DAG's running task instances across all its runs), then its pool's slots if it names a pool. Both live in the
 * pool-slots table; the DAG's counter is the item `dag#<dagId>` (pool names cannot contain `#`).
 */
export interface SlotClaim {
  readonly counters: PoolSlots;
  readonly pool: string;
  readonly slots: number;
}

export const dagSlotsItem = (dagId: string) => `dag#${dagId}`;

export function slotClaimsOf(
  task: { readonly dagId: string; readonly maxActiveTasks: number; readonly pool?: { name: string; slots: number } },
  table: {
    readonly dynamo: DynamoDBClient;
    readonly name: string;
    readonly poolSizes: Readonly<Record<string, number>>;
  },
): SlotClaim[] {
  const dagItem = dagSlotsItem(task.dagId);
  const claims: SlotClaim[] = [
    { counters: new PoolSlots(table.dynamo, table.name, { [dagItem]: task.maxActiveTasks }), pool: dagItem, slots: 1 },
  ];
  if (task.pool !== undefined) {
    claims.push({
      counters: new PoolSlots(table.dynamo, table.name, table.poolSizes),
      pool: task.pool.name,
      slots: task.pool.slots,
    });
  }
  return claims;
}

/**
 * Takes every claim in order, or none: when one is full, those already taken are given back (a try that holds
 * its DAG's slot while it waits for a pool would keep its DAG's other tasks from running). The try waits in the
 * queue of the counter it could not take, ranked by `priority` (its effective priority weight). Throws what
 * `take` throws (a pool too small for the task).
 */
export async function takeAll(claims: readonly SlotClaim[], holder: SlotHolder, priority = 1): Promise<boolean> {
  const taken: SlotClaim[] = [];
  try {
    for (const claim of claims) {
      if (!(await claim.counters.take(claim.pool, claim.slots, holder, priority))) {
        await releaseAll(taken, holder);
        return false;
      }
      taken.push(claim);
    }
    return true;
  } catch (error) {
    await releaseAll(taken, holder);
    throw error;
  }
}

export async function releaseAll(claims: readonly SlotClaim[], holder: SlotHolder): Promise<void> {
  for (const claim of [...claims].reverse()) await claim.counters.release(claim.pool, claim.slots, holder);
}

/** Takes the try out of every counter's queue: it gave up (its token timed out, its run stopped). */
export async function withdrawAll(claims: readonly SlotClaim[], holder: SlotHolder): Promise<void> {
  for (const claim of claims) await claim.counters.withdraw(claim.pool, holder);
}
