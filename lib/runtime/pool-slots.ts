import { type DynamoDBClient, GetItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

/** Airflow's `default_pool` size; a pool the stack's `pools` prop does not size has as many slots. */
export const DEFAULT_POOL_SLOTS = 128;

/** Who holds slots: one try of one task of one execution (released exactly once, by the worker or the recorder). */
export interface SlotHolder {
  readonly executionArn: string;
  readonly taskId: string;
  readonly mapIndex: number;
  readonly tryNumber: number;
}

const holderTag = (holder: SlotHolder, slots: number) =>
  `${holder.executionArn}|${holder.taskId}|${holder.mapIndex}|${holder.tryNumber}|${slots}`;

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

  /** Takes `slots` of `pool` for the holder; false when the pool is full (the caller tries again later). */
  async take(pool: string, slots: number, holder: SlotHolder): Promise<boolean> {
    const capacity = this.capacity(pool);
    if (slots > capacity) throw new Error(`pool '${pool}' has ${capacity} slots; the task asks for ${slots}`);
    const tag = holderTag(holder, slots);
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
            ':max': { N: String(capacity - slots) },
          },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') {
        // Full, or this very try already holds its slots (a redelivery): the latter counts as taken.
        return this.holds(pool, tag);
      }
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
      for (const tag of item.holders?.SS ?? []) {
        if (!tag.startsWith(`${executionArn}|`)) continue;
        const slots = Number(tag.split('|').at(-1));
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

  private async holds(pool: string, tag: string): Promise<boolean> {
    const item = await this.dynamo.send(
      new GetItemCommand({ TableName: this.table, Key: { pool: { S: pool } }, ConsistentRead: true }),
    );
    return (item.Item?.holders?.SS ?? []).includes(tag);
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
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
