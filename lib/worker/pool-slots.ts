import { type DynamoDBClient, GetItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { isConditionalCheckFailure } from '../dynamo/conditional-write.ts';
import { AirstepError } from '../errors/airstep-error.ts';
import { DEFAULT_POOL_SLOTS } from '../runtime/default-pool.ts';

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

/**
 * Pools on AWS: a DynamoDB counter item per pool (`used`, and the set of `holders`), changed only by conditional
 * updates, so concurrent workers never overfill a pool and a release counts once. Slots are taken right before a
 * try runs and given back when it ends; the recorder gives back what a try of a finished execution still holds
 * (a worker that died, a timeout, an abort).
 */
export class PoolSlots {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
    private readonly capacities: Readonly<Record<string, number>>,
  ) {}

  capacity(pool: string): number {
    return this.capacities[pool] ?? DEFAULT_POOL_SLOTS;
  }

  /**
   * Takes `slots` of `pool` for the holder; false when the pool is full (the caller tries again later). Slots an
   * earlier try of the same task instance still holds are given back first.
   */
  async take(pool: string, slots: number, holder: SlotHolder): Promise<boolean> {
    const capacity = this.capacity(pool);
    if (slots > capacity) throw new PoolTooSmallError(pool, capacity, slots);
    const tag = holderTag(holder, slots);
    if (await this.tryTake(pool, slots, capacity, tag)) return true;
    const holders = await this.holders(pool);
    // Full, or this very try already holds its slots (a redelivery): the latter counts as taken.
    if (holders.includes(tag)) return true;
    const superseded = supersededTries(holders, holder);
    if (superseded.length === 0) return false;
    for (const earlier of superseded) await this.releaseTag(pool, earlier.tag, earlier.slots);
    return this.tryTake(pool, slots, capacity, tag);
  }

  private async tryTake(pool: string, slots: number, capacity: number, tag: string): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pool: { S: pool } },
          UpdateExpression: 'ADD used :slots, holders :tag',
          ConditionExpression: '(attribute_not_exists(used) OR used <= :max) AND NOT contains(holders, :one)',
          ExpressionAttributeValues: {
            ':slots': { N: String(slots) },
            ':tag': { SS: [tag] },
            ':one': { S: tag },
            // fitsPool(used, slots, capacity), as a condition.
            ':max': { N: String(capacity - slots) },
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  /** Gives the holder's slots back; a second release changes nothing. */
  async release(pool: string, slots: number, holder: SlotHolder): Promise<void> {
    await this.releaseTag(pool, holderTag(holder, slots), slots);
  }

  /** Gives back every slot a try of this execution still holds, in every pool. Returns how many were freed. */
  async releaseExecution(executionArn: string): Promise<number> {
    const items = (await this.dynamo.send(new ScanCommand({ TableName: this.table }))).Items ?? [];
    let freed = 0;
    for (const item of items) {
      for (const { tag, slots } of heldByExecution(item.holders?.SS ?? [], executionArn)) {
        if (await this.releaseTag(item.pool!.S!, tag, slots)) freed += slots;
      }
    }
    return freed;
  }

  async used(pool: string): Promise<number> {
    const item = await this.dynamo.send(
      new GetItemCommand({ TableName: this.table, Key: { pool: { S: pool } }, ConsistentRead: true }),
    );
    return Number(item.Item?.used?.N ?? '0');
  }

  private async holders(pool: string): Promise<string[]> {
    const item = await this.dynamo.send(
      new GetItemCommand({ TableName: this.table, Key: { pool: { S: pool } }, ConsistentRead: true }),
    );
    return item.Item?.holders?.SS ?? [];
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
