import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { isConditionalCheckFailure } from '../dynamo/conditional-write.ts';
import { AirstepError } from '../errors/airstep-error.ts';
import { DEFAULT_POOL_SLOTS } from '../runtime/default-pool.ts';
import {
  expiredWaiters,
  type SlotWaiter,
  slotDecision,
  WAITER_LEASE_MS,
  waiterKey,
  waitersOfExecution,
} from './slot-waiters.ts';

/** A task asks for more slots than its pool has: it can never run, so its try fails at once. */
export class PoolTooSmallError extends AirstepError {
  override readonly name = 'PoolTooSmallError';
  constructor(
    readonly pool: string,
    readonly capacity: number,
    readonly slots: number,
  ) {
    super(`pool '${pool}' has ${capacity} slots; the task asks for ${slots}`, { code: 'POOL_TOO_SMALL' });
  }
}

/** Who holds slots: one try of one task of one execution (released exactly once, by the worker or the recorder). */
export interface SlotHolder {
  readonly executionArn: string;
  readonly taskId: string;
  readonly mapIndex: number;
  readonly tryNumber: number;
}

/** The tag a holder leaves in its pool's `holders` set: who holds, and how many slots (so any caller can give them back). */
export function holderTag(holder: SlotHolder, slots: number): string {
  return `${holder.executionArn}|${holder.taskId}|${holder.mapIndex}|${holder.tryNumber}|${slots}`;
}

/** The tags of `holders` that belong to tries of one execution, with the slots each holds. */
export function heldByExecution(
  holders: readonly string[],
  executionArn: string,
): Array<{ tag: string; slots: number }> {
  return holders
    .filter((tag) => tag.startsWith(`${executionArn}|`))
    .map((tag) => ({ tag, slots: Number(tag.slice(tag.lastIndexOf('|') + 1)) }))
    .filter((held) => Number.isInteger(held.slots) && held.slots > 0);
}

/**
 * Tags of earlier tries of the holder's task instance. Step Functions starts try n+1 only after try n ended, so
 * these are slots a worker that died (or timed out) never gave back: the new try may free them.
 */
export function supersededTries(holders: readonly string[], holder: SlotHolder): Array<{ tag: string; slots: number }> {
  const prefix = `${holder.executionArn}|${holder.taskId}|${holder.mapIndex}|`;
  return holders.flatMap((tag) => {
    if (!tag.startsWith(prefix)) return [];
    const [tryNumber, slots] = tag.slice(prefix.length).split('|').map(Number);
    return tryNumber !== undefined && slots !== undefined && tryNumber < holder.tryNumber ? [{ tag, slots }] : [];
  });
}

/**
 * Whether `slots` more fit a pool of `capacity` that has `used` taken: the rule the conditional update enforces
 * (`used <= capacity - slots`), stated once so it can be checked without DynamoDB.
 */
export function fitsPool(used: number, slots: number, capacity: number): boolean {
  return used <= capacity - slots;
}

/** Options of a counter table: the clock waiter leases are read against, and the lease a waiter's ask renews. */
export interface PoolSlotsOptions {
  /** Epoch milliseconds now. @default Date.now */
  readonly now?: () => number;
  /** @default WAITER_LEASE_MS */
  readonly leaseMs?: number;
}

/** How many times an ask re-reads the counter when another writer changed it in between, before it waits. */
const ASK_ATTEMPTS = 8;

/** Expired waiters one write drops at most: keeps the update expression far below DynamoDB's 4 KB. */
const EXPIRED_PER_WRITE = 50;

/** A counter item as read: its slots in use, holders, waiters and the version its conditional writes check. */
interface CounterItem {
  readonly used: number;
  readonly holders: readonly string[];
  readonly waiters: Readonly<Record<string, SlotWaiter>>;
  readonly hasWaiters: boolean;
  readonly version: number | undefined;
  readonly arrivals: number;
}

/**
 * Pools on AWS: a DynamoDB counter item per pool (`used`, and the set of `holders`), changed only by conditional
 * updates, so concurrent workers never overfill a pool and a release counts once. Slots are taken right before a
 * try runs and given back when it ends; the recorder gives back what a try of a finished execution still holds
 * (a worker that died, a timeout, an abort).
 *
 * Tries that cannot take their slots yet (the counter is full, or better-ranked waiters that fit come first)
 * register in the item's `waiters` map (priority, arrival number, lease) and are served by priority weight, then
 * arrival, as Airflow's scheduler serves them (`slot-waiters.ts`). Every
 * write that reads the queue first is conditioned on the item's `version`, so two asks never both act on the
 * same view of it; a take when nobody waits is one conditional update, as before.
 */
export class PoolSlots {
  private readonly now: () => number;
  private readonly leaseMs: number;

  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
    private readonly capacities: Readonly<Record<string, number>>,
    options: PoolSlotsOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.leaseMs = options.leaseMs ?? WAITER_LEASE_MS;
  }

  capacity(pool: string): number {
    return this.capacities[pool] ?? DEFAULT_POOL_SLOTS;
  }

  /**
   * Takes `slots` of `pool` for the holder, ranked by `priority` (its effective priority weight); false when it
   * must wait (the pool is full, or better-ranked waiters that fit come first): it is then registered as a
   * waiter, or its lease renewed, and the caller asks again later. Slots an earlier try of the same task instance
   * still holds are given back first.
   */
  async take(pool: string, slots: number, holder: SlotHolder, priority = 1): Promise<boolean> {
    const capacity = this.capacity(pool);
    if (slots > capacity) throw new PoolTooSmallError(pool, capacity, slots);
    const tag = holderTag(holder, slots);
    // Nobody waits: one conditional update takes the slots, as without a queue.
    if (await this.tryTakeUnqueued(pool, slots, capacity, tag)) return true;
    const key = waiterKey(holder);
    for (let attempt = 0; attempt < ASK_ATTEMPTS; attempt++) {
      const counter = await this.read(pool);
      // This very try already holds its slots (a redelivery): that counts as taken.
      if (counter.holders.includes(tag)) return true;
      const superseded = supersededTries(counter.holders, holder);
      if (superseded.length > 0) {
        for (const earlier of superseded) await this.releaseTag(pool, earlier.tag, earlier.slots);
        continue;
      }
      const now = this.now();
      const decision = slotDecision(
        { used: counter.used, capacity, waiters: counter.waiters },
        { key, slots, priority },
        now,
      );
      const written =
        decision === 'take'
          ? await this.takeQueued(pool, slots, capacity, tag, key, counter, now)
          : await this.register(pool, key, { slots, priority }, counter, now);
      if (written) return decision === 'take';
    }
    // Others kept changing the counter: ask again later, as when it is full.
    return false;
  }

  /** Removes the holder's waiter entry (its try gave up: token timed out, run stopped); idempotent. */
  async withdraw(pool: string, holder: SlotHolder): Promise<void> {
    await this.removeWaiters(pool, [waiterKey(holder)]);
  }

  /** The pool's waiters, as stored (a test and an operator's view). */
  async waiters(pool: string): Promise<Readonly<Record<string, SlotWaiter>>> {
    return (await this.read(pool)).waiters;
  }

  private async tryTakeUnqueued(pool: string, slots: number, capacity: number, tag: string): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pool: { S: pool } },
          UpdateExpression: 'ADD used :slots, holders :tag',
          ConditionExpression:
            '(attribute_not_exists(used) OR used <= :max) AND NOT contains(holders, :one) AND ' +
            '(attribute_not_exists(waiters) OR size(waiters) = :zero)',
          ExpressionAttributeValues: {
            ':slots': { N: String(slots) },
            ':tag': { SS: [tag] },
            ':one': { S: tag },
            // fitsPool(used, slots, capacity), as a condition.
            ':max': { N: String(capacity - slots) },
            ':zero': { N: '0' },
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  /** Takes the slots and leaves the queue (dropping expired waiters), if the item is still as read. */
  private takeQueued(
    pool: string,
    slots: number,
    capacity: number,
    tag: string,
    key: string,
    counter: CounterItem,
    now: number,
  ): Promise<boolean> {
    const gone = expiredWaiters(counter.waiters, now)
      .filter((expired) => expired !== key)
      .slice(0, EXPIRED_PER_WRITE);
    const removed = [...(counter.waiters[key] !== undefined ? [key] : []), ...gone];
    const names = Object.fromEntries(removed.map((name, index) => [`#w${index}`, name]));
    return this.writeIfUnchanged(pool, counter, {
      UpdateExpression:
        `SET version = :next ADD used :slots, holders :tag` +
        (removed.length > 0
          ? ` REMOVE ${Object.keys(names)
              .map((name) => `waiters.${name}`)
              .join(', ')}`
          : ''),
      ConditionExpression: '(attribute_not_exists(used) OR used <= :max) AND NOT contains(holders, :one)',
      ...(removed.length > 0 ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: {
        ':slots': { N: String(slots) },
        ':tag': { SS: [tag] },
        ':one': { S: tag },
        ':max': { N: String(capacity - slots) },
      },
    });
  }

  /** Registers the try as a waiter, or renews its lease (keeping its arrival), if the item is still as read. */
  private register(
    pool: string,
    key: string,
    asking: { slots: number; priority: number },
    counter: CounterItem,
    now: number,
  ): Promise<boolean> {
    const own = counter.waiters[key];
    const waiter: SlotWaiter = {
      priority: asking.priority,
      arrival: own?.arrival ?? counter.arrivals,
      slots: asking.slots,
      leaseUntil: now + this.leaseMs,
    };
    const entry = { M: waiterAttribute(waiter) };
    const arrivals = { N: String(own === undefined ? counter.arrivals + 1 : counter.arrivals) };
    if (!counter.hasWaiters) {
      return this.writeIfUnchanged(pool, counter, {
        UpdateExpression: 'SET version = :next, arrivals = :arrivals, waiters = :waiters',
        ExpressionAttributeValues: { ':arrivals': arrivals, ':waiters': { M: { [key]: entry } } },
      });
    }
    const gone = expiredWaiters(counter.waiters, now)
      .filter((expired) => expired !== key)
      .slice(0, EXPIRED_PER_WRITE);
    const names: Record<string, string> = { '#me': key };
    gone.forEach((name, index) => {
      names[`#w${index}`] = name;
    });
    return this.writeIfUnchanged(pool, counter, {
      UpdateExpression:
        'SET version = :next, arrivals = :arrivals, waiters.#me = :entry' +
        (gone.length > 0 ? ` REMOVE ${gone.map((_, index) => `waiters.#w${index}`).join(', ')}` : ''),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':arrivals': arrivals, ':entry': entry },
    });
  }

  /** An update conditioned on the item's version being the one read (and bumping it); false if it changed. */
  private async writeIfUnchanged(
    pool: string,
    counter: CounterItem,
    update: {
      UpdateExpression: string;
      ConditionExpression?: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues: Record<string, AttributeValue>;
    },
  ): Promise<boolean> {
    const unchanged = counter.version === undefined ? 'attribute_not_exists(version)' : 'version = :version';
    try {
      await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pool: { S: pool } },
          UpdateExpression: update.UpdateExpression,
          ConditionExpression:
            update.ConditionExpression !== undefined ? `${unchanged} AND ${update.ConditionExpression}` : unchanged,
          ...(update.ExpressionAttributeNames !== undefined
            ? { ExpressionAttributeNames: update.ExpressionAttributeNames }
            : {}),
          ExpressionAttributeValues: {
            ...update.ExpressionAttributeValues,
            ':next': { N: String((counter.version ?? 0) + 1) },
            ...(counter.version !== undefined ? { ':version': { N: String(counter.version) } } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  /** Removes waiter entries that are there; the version moves on, so an ask that read them asks again. */
  private async removeWaiters(pool: string, keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      try {
        await this.dynamo.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: { pool: { S: pool } },
            UpdateExpression: 'SET version = if_not_exists(version, :zero) + :one REMOVE waiters.#me',
            ConditionExpression: 'attribute_exists(waiters.#me)',
            ExpressionAttributeNames: { '#me': key },
            ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' } },
          }),
        );
      } catch (error) {
        if (!isConditionalCheckFailure(error)) throw error;
      }
    }
  }

  private async read(pool: string): Promise<CounterItem> {
    const item = (
      await this.dynamo.send(
        new GetItemCommand({ TableName: this.table, Key: { pool: { S: pool } }, ConsistentRead: true }),
      )
    ).Item;
    const waiters = item?.waiters?.M;
    return {
      used: Number(item?.used?.N ?? '0'),
      holders: item?.holders?.SS ?? [],
      waiters: Object.fromEntries(Object.entries(waiters ?? {}).map(([key, value]) => [key, waiterOf(value)])),
      hasWaiters: waiters !== undefined,
      version: item?.version?.N !== undefined ? Number(item.version.N) : undefined,
      arrivals: Number(item?.arrivals?.N ?? '0'),
    };
  }

  /** Gives the holder's slots back; a second release changes nothing. */
  async release(pool: string, slots: number, holder: SlotHolder): Promise<void> {
    await this.releaseTag(pool, holderTag(holder, slots), slots);
  }

  /**
   * Gives back every slot a try of this execution still holds, in every pool, and removes its waiting tries.
   * Returns how many slots were freed.
   */
  async releaseExecution(executionArn: string): Promise<number> {
    const items = (await this.dynamo.send(new ScanCommand({ TableName: this.table }))).Items ?? [];
    let freed = 0;
    for (const item of items) {
      for (const { tag, slots } of heldByExecution(item.holders?.SS ?? [], executionArn)) {
        if (await this.releaseTag(item.pool!.S!, tag, slots)) freed += slots;
      }
      // Its tries that were still waiting will never ask again: they must not keep their place until their lease ends.
      await this.removeWaiters(item.pool!.S!, waitersOfExecution(Object.keys(item.waiters?.M ?? {}), executionArn));
    }
    return freed;
  }

  async used(pool: string): Promise<number> {
    const item = await this.dynamo.send(
      new GetItemCommand({ TableName: this.table, Key: { pool: { S: pool } }, ConsistentRead: true }),
    );
    return Number(item.Item?.used?.N ?? '0');
  }

  private async releaseTag(pool: string, tag: string, slots: number): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pool: { S: pool } },
          UpdateExpression: 'ADD used :minus DELETE holders :tag',
          ConditionExpression: 'contains(holders, :one)',
          ExpressionAttributeValues: { ':minus': { N: String(-slots) }, ':tag': { SS: [tag] }, ':one': { S: tag } },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }
}

/** A waiter as stored: a map of numbers (`p`riority, `a`rrival, `s`lots, `l`ease end). */
function waiterAttribute(waiter: SlotWaiter): Record<string, AttributeValue> {
  return {
    p: { N: String(waiter.priority) },
    a: { N: String(waiter.arrival) },
    s: { N: String(waiter.slots) },
    l: { N: String(waiter.leaseUntil) },
  };
}

function waiterOf(value: AttributeValue): SlotWaiter {
  const fields = value.M ?? {};
  return {
    priority: Number(fields.p?.N ?? '1'),
    arrival: Number(fields.a?.N ?? '0'),
    slots: Number(fields.s?.N ?? '1'),
    leaseUntil: Number(fields.l?.N ?? '0'),
  };
}
