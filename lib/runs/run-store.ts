import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { isConditionalCheckFailure } from '../dynamo/conditional-write.ts';
import type { RunType } from '../schedule/types.ts';
import { RUNS_BY_STATE } from '../stack-contract/tables.ts';
import type { KnownRun } from './run-admission.ts';
import { STATES_BEFORE_RUNNING } from './run-records.ts';

/**
 * Runs and queued runs in DynamoDB, as the trigger and the recorder share them.
 *
 * - runs (`dagId`, `runId`): `state` (queued, running, success, failed, interrupted), `runType`, `logicalDate`,
 *   `dagVersion`, `executionArn`, `startedAt`, `endedAt`, `queuedAt`, `alertedAt` (the failure alert went out),
 *   `deadline`, `deadlineMissedAt`, `deadlineAlertedAt` (a missed deadline, see deadline-miss.ts), and
 *   `triggeredAt`, which only the trigger
 *   (or the recorder starting a queued run) sets, under `attribute_not_exists`: the one caller that sets it
 *   started the run; any other is a duplicate.
 * - queuedRuns (`dagId`, `queuedAt` = `<ISO time>#<runId>`, so a Query reads the oldest first): `runId` and the
 *   execution `input`, waiting for a `maxActiveRuns` place; a queued clear also its `executionName`.
 */
export interface RunTables {
  readonly runs: string;
  readonly queuedRuns: string;
}

export interface NewRun {
  readonly dagId: string;
  readonly runId: string;
  readonly runType: RunType;
  readonly logicalDate: string;
  readonly dagVersion: string;
}

export class RunStore {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly tables: RunTables,
  ) {}

  async read(dagId: string, runId: string): Promise<KnownRun | undefined> {
    const item = (
      await this.dynamo.send(
        new GetItemCommand({ TableName: this.tables.runs, Key: runKey(dagId, runId), ConsistentRead: true }),
      )
    ).Item;
    if (item === undefined) return undefined;
    return {
      ...(item.state?.S !== undefined ? { state: item.state.S } : {}),
      ...(item.executionArn?.S !== undefined ? { executionArn: item.executionArn.S } : {}),
      ...(item.triggeredAt?.S !== undefined ? { triggeredAt: item.triggeredAt.S } : {}),
      ...(item.clears?.N !== undefined ? { clears: Number(item.clears.N) } : {}),
    };
  }

  /**
   * Runs of the DAG in state `running`, other than `exceptRunId`: a Query of the `byState` local index, which reads
   * only the running runs and, being local, can be strongly consistent (two triggers at once must not both see room
   * under `maxActiveRuns`). Every page.
   */
  async countRunning(dagId: string, exceptRunId = ''): Promise<number> {
    let count = 0;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.dynamo.send(
        new QueryCommand({
          TableName: this.tables.runs,
          IndexName: RUNS_BY_STATE.indexName,
          KeyConditionExpression: 'dagId = :dag AND #state = :running',
          FilterExpression: 'runId <> :run',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':dag': { S: dagId },
            ':running': { S: 'running' },
            ':run': { S: exceptRunId },
          },
          Select: 'COUNT',
          ConsistentRead: true,
          ...(start !== undefined ? { ExclusiveStartKey: start } : {}),
        }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return count;
  }

  /**
   * Records a run StartExecution just started (or returned again: the same name and input give the same
   * execution). False when another caller recorded it first: this call is the duplicate. A state the recorder
   * already wrote (a fast run may have ended) is kept.
   */
  async recordStarted(run: NewRun, executionArn: string, now: Date): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.tables.runs,
          Key: runKey(run.dagId, run.runId),
          UpdateExpression:
            'SET #state = if_not_exists(#state, :running), runType = :type, logicalDate = :logical, ' +
            'dagVersion = :version, executionArn = :arn, triggeredAt = :now, startedAt = if_not_exists(startedAt, :now)',
          ConditionExpression: 'attribute_not_exists(triggeredAt)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':running': { S: 'running' },
            ':type': { S: run.runType },
            ':logical': { S: run.logicalDate },
            ':version': { S: run.dagVersion },
            ':arn': { S: executionArn },
            ':now': { S: now.toISOString() },
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Queues a run: its queue item, then its run record in state `queued`. False (and no queue item left) when
   * the run is already known. A crash between the two writes leaves a queue item without a record; starting it
   * later records it then.
   */
  async queue(run: NewRun, input: string, now: Date): Promise<boolean> {
    const queuedAt = `${now.toISOString()}#${run.runId}`;
    const queueKey = { dagId: { S: run.dagId }, queuedAt: { S: queuedAt } };
    await this.dynamo.send(
      new PutItemCommand({
        TableName: this.tables.queuedRuns,
        Item: { ...queueKey, runId: { S: run.runId }, input: { S: input } },
      }),
    );
    try {
      await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.tables.runs,
          Key: runKey(run.dagId, run.runId),
          UpdateExpression:
            'SET #state = :queued, runType = :type, logicalDate = :logical, dagVersion = :version, ' +
            'queuedAt = :queuedAt, triggeredAt = :now',
          ConditionExpression: 'attribute_not_exists(triggeredAt) AND attribute_not_exists(#state)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':queued': { S: 'queued' },
            ':type': { S: run.runType },
            ':logical': { S: run.logicalDate },
            ':version': { S: run.dagVersion },
            ':queuedAt': { S: queuedAt },
            ':now': { S: now.toISOString() },
          },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      await this.dynamo.send(new DeleteItemCommand({ TableName: this.tables.queuedRuns, Key: queueKey }));
      return false;
    }
  }

  /**
   * Queues a clear of an ended run (its record is claimed to `queued` by the caller): the queue item carries the
   * clear's own execution name, which the recorder starts it under. Returns the item, to take back when the claim
   * does not land.
   */
  async queueClear(
    run: { readonly dagId: string; readonly runId: string },
    input: string,
    executionName: string,
    now: Date,
  ): Promise<QueuedRun> {
    const queued: QueuedRun = {
      dagId: run.dagId,
      queuedAt: `${now.toISOString()}#${run.runId}`,
      runId: run.runId,
      input,
      executionName,
    };
    await this.dynamo.send(new PutItemCommand({ TableName: this.tables.queuedRuns, Item: queueItem(queued) }));
    return queued;
  }

  /** Up to `limit` queued runs of the DAG, oldest first. */
  async oldestQueued(dagId: string, limit: number): Promise<QueuedRun[]> {
    if (limit <= 0) return [];
    const page = await this.dynamo.send(
      new QueryCommand({
        TableName: this.tables.queuedRuns,
        KeyConditionExpression: 'dagId = :dag',
        ExpressionAttributeValues: { ':dag': { S: dagId } },
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (page.Items ?? []).map((item) => ({
      dagId,
      queuedAt: item.queuedAt!.S!,
      runId: item.runId!.S!,
      input: item.input!.S!,
      ...(item.executionName?.S !== undefined ? { executionName: item.executionName.S } : {}),
    }));
  }

  /** Takes a queued run off the queue; false when another caller took it first. */
  async take(queued: QueuedRun): Promise<boolean> {
    try {
      await this.dynamo.send(
        new DeleteItemCommand({
          TableName: this.tables.queuedRuns,
          Key: { dagId: { S: queued.dagId }, queuedAt: { S: queued.queuedAt } },
          ConditionExpression: 'attribute_exists(queuedAt)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  /** Notes that the run's alert went out, so a redelivered status change does not send it again. */
  async markAlerted(dagId: string, runId: string, now: Date): Promise<void> {
    await this.dynamo.send(
      new UpdateItemCommand({
        TableName: this.tables.runs,
        Key: runKey(dagId, runId),
        UpdateExpression: 'SET alertedAt = :now',
        ExpressionAttributeValues: { ':now': { S: now.toISOString() } },
      }),
    );
  }

  /** Puts a taken queued run back (starting it failed). */
  async requeue(queued: QueuedRun): Promise<void> {
    await this.dynamo.send(
      new PutItemCommand({
        TableName: this.tables.queuedRuns,
        Item: queueItem(queued),
      }),
    );
  }

  /** A queued run has started: `running`, unless the recorder already saw it further along. */
  async recordQueuedStarted(queued: QueuedRun, executionArn: string, now: Date): Promise<void> {
    try {
      await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.tables.runs,
          Key: runKey(queued.dagId, queued.runId),
          UpdateExpression:
            'SET #state = :running, executionArn = :arn, startedAt = if_not_exists(startedAt, :now), ' +
            'triggeredAt = if_not_exists(triggeredAt, :now)',
          ConditionExpression: 'attribute_not_exists(#state) OR #state = :queued',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':running': { S: 'running' },
            ':queued': { S: 'queued' },
            ':arn': { S: executionArn },
            ':now': { S: now.toISOString() },
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
    }
  }

  /**
   * The recorder's view of a status change. A RUNNING event only moves a run that is not further along (events
   * arrive out of order); an end always wins, unless its execution is one a clear replaced (`stale`). Returns the run's `dagVersion` when known, or `stale` for a RUNNING
   * event that came after the end.
   */
  async recordStatus(input: {
    readonly dagId: string;
    readonly runId: string;
    readonly state: string;
    readonly ended: boolean;
    readonly executionArn: string;
    readonly startedAt: Date;
    readonly endedAt?: Date;
  }): Promise<{ stale: boolean; dagVersion?: string; alertedAt?: string; triggeredAt?: string }> {
    const values: Record<string, AttributeValue> = {
      ':state': { S: input.state },
      ':arn': { S: input.executionArn },
      ':started': { S: input.startedAt.toISOString() },
      ...(input.endedAt !== undefined ? { ':ended': { S: input.endedAt.toISOString() } } : {}),
      ...(input.ended ? {} : Object.fromEntries(STATES_BEFORE_RUNNING.map((state) => [`:${state}`, { S: state }]))),
    };
    try {
      const updated = await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.tables.runs,
          Key: runKey(input.dagId, input.runId),
          UpdateExpression:
            'SET #state = :state, executionArn = :arn, startedAt = if_not_exists(startedAt, :started)' +
            (input.endedAt !== undefined ? ', endedAt = :ended' : ''),
          // An execution a clear replaced (`endedExecutions`, see clear-run.ts) no longer speaks for the run: its
          // late events are stale.
          ConditionExpression: input.ended
            ? 'NOT contains(endedExecutions, :arn)'
            : `(attribute_not_exists(#state) OR #state IN (${STATES_BEFORE_RUNNING.map((state) => `:${state}`).join(', ')})) AND NOT contains(endedExecutions, :arn)`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      const version = updated.Attributes?.dagVersion?.S;
      const alertedAt = updated.Attributes?.alertedAt?.S;
      const triggeredAt = updated.Attributes?.triggeredAt?.S;
      return {
        stale: false,
        ...(version !== undefined ? { dagVersion: version } : {}),
        ...(alertedAt !== undefined ? { alertedAt } : {}),
        ...(triggeredAt !== undefined ? { triggeredAt } : {}),
      };
    } catch (error) {
      if (isConditionalCheckFailure(error)) return { stale: true };
      throw error;
    }
  }
}

export interface QueuedRun {
  readonly dagId: string;
  readonly queuedAt: string;
  readonly runId: string;
  readonly input: string;
  /** A queued clear's execution name (`<run>__clear<n>`); unset: the run's own (`executionName`). */
  readonly executionName?: string;
}

const queueItem = (queued: QueuedRun) => ({
  dagId: { S: queued.dagId },
  queuedAt: { S: queued.queuedAt },
  runId: { S: queued.runId },
  input: { S: queued.input },
  ...(queued.executionName !== undefined ? { executionName: { S: queued.executionName } } : {}),
});

const runKey = (dagId: string, runId: string) => ({ dagId: { S: dagId }, runId: { S: runId } });
