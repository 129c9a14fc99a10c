import { DeleteItemCommand, type DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { gateRecords } from '../compiler/gate-opening.ts';
import { RELEASE_KIND } from '../compiler/worker-contract.ts';
import { isConditionalCheckFailure } from '../dynamo/conditional-write.ts';

/**
 * Gates between branches on AWS, kept in DynamoDB (the task-instances table, under `gates#<execution>`): a task
 * that ends in one branch signals its record; a task in another branch that waits for it sends a gate with its
 * task token. Whichever arrives last opens the gate: answers its token with the records keyed by payload key, then
 * deletes the gate item. Signals may come before or after the gate; every write is idempotent (same item, same
 * values), so a redelivered message changes nothing, and a token answered twice is refused by Step Functions.
 * A gate with `openWhen` opens at the first signal in one of those states (see gate-opening.ts); later signals
 * find it gone.
 */
export interface GateMessage {
  readonly kind: 'gate';
  readonly executionArn: string;
  readonly taskId: string;
  readonly waitFor: readonly string[];
  readonly keys: Readonly<Record<string, string>>;
  readonly openWhen?: readonly string[];
  readonly token: string;
}

export interface SignalMessage {
  readonly kind: 'signal';
  readonly executionArn: string;
  readonly taskId: string;
  readonly record: unknown;
}

/**
 * A split run's parent releasing the gates that wait for tasks of a child that ended without them
 * (lib/compiler/child-failure-states.ts): each task named signals `record`, unless it signalled already.
 */
export interface ReleaseMessage {
  readonly kind: typeof RELEASE_KIND;
  readonly executionArn: string;
  readonly taskIds: readonly string[];
  readonly record: unknown;
}

export class GateStore {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
    /** Answers a gate's token (SendTaskSuccess). */
    private readonly open: (token: string, records: Record<string, unknown>) => Promise<void>,
  ) {}

  async handle(message: GateMessage | SignalMessage | ReleaseMessage): Promise<void> {
    const runKey = { S: `gates#${message.executionArn}` };
    if (message.kind === RELEASE_KIND) {
      for (const taskId of message.taskIds) {
        try {
          await this.dynamo.send(
            new PutItemCommand({
              TableName: this.table,
              Item: { runKey, taskKey: { S: `signal#${taskId}` }, record: { S: JSON.stringify(message.record) } },
              // A task that signalled its own record keeps it: it ended before its child did.
              ConditionExpression: 'attribute_not_exists(taskKey)',
            }),
          );
        } catch (error) {
          if (!isConditionalCheckFailure(error)) throw error;
        }
      }
    } else if (message.kind === 'signal') {
      await this.dynamo.send(
        new PutItemCommand({
          TableName: this.table,
          Item: { runKey, taskKey: { S: `signal#${message.taskId}` }, record: { S: JSON.stringify(message.record) } },
        }),
      );
    } else {
      await this.dynamo.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            runKey,
            taskKey: { S: `gate#${message.taskId}` },
            waitFor: { S: JSON.stringify(message.waitFor) },
            keys: { S: JSON.stringify(message.keys) },
            ...(message.openWhen !== undefined ? { openWhen: { S: JSON.stringify(message.openWhen) } } : {}),
            token: { S: message.token },
          },
        }),
      );
    }
    await this.openReady(message.executionArn);
  }

  private async openReady(executionArn: string): Promise<void> {
    const runKey = { S: `gates#${executionArn}` };
    const items =
      (
        await this.dynamo.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'runKey = :run',
            ExpressionAttributeValues: { ':run': runKey },
            ConsistentRead: true,
          }),
        )
      ).Items ?? [];
    const signals = new Map(
      items
        .filter((item) => item.taskKey!.S!.startsWith('signal#'))
        .map((item) => [item.taskKey!.S!.slice('signal#'.length), JSON.parse(item.record!.S!) as unknown]),
    );
    const gates = items
      .filter((item) => item.taskKey!.S!.startsWith('gate#'))
      .map((item) => ({
        taskKey: item.taskKey!.S!,
        token: item.token!.S!,
        waitFor: JSON.parse(item.waitFor!.S!) as string[],
        keys: JSON.parse(item.keys!.S!) as Record<string, string>,
        ...(item.openWhen?.S !== undefined ? { openWhen: JSON.parse(item.openWhen.S) as string[] } : {}),
      }));
    for (const ready of gatesToOpen(gates, signals)) {
      // Answer first, then forget the gate: if answering fails, the message comes back and finds the gate still
      // there. Two callers may both answer; Step Functions takes the first and refuses the second, which the
      // opener treats as done.
      await this.open(ready.token, ready.records);
      await this.dynamo.send(
        new DeleteItemCommand({ TableName: this.table, Key: { runKey, taskKey: { S: ready.taskKey } } }),
      );
    }
  }
}

/** A gate as stored: the task tokens it answers, the tasks it waits for and their payload keys. */
export interface StoredGate {
  readonly taskKey: string;
  readonly token: string;
  readonly waitFor: readonly string[];
  readonly keys: Readonly<Record<string, string>>;
  readonly openWhen?: readonly string[];
}

/**
 * The gates every awaited task has signalled (or, with `openWhen`, one has in one of those states), each with the records to answer it with (keyed by payload key,
 * as the state machine reads them). Pure: the store then opens each under a condition, once.
 */
export function gatesToOpen(
  gates: readonly StoredGate[],
  signals: ReadonlyMap<string, unknown>,
): Array<{ taskKey: string; token: string; records: Record<string, unknown> }> {
  return gates.flatMap((gate) => {
    const opened = gateRecords(gate.waitFor, gate.openWhen, signals);
    if (opened === undefined) return [];
    return [
      {
        taskKey: gate.taskKey,
        token: gate.token,
        records: Object.fromEntries(gate.waitFor.map((id) => [gate.keys[id] ?? id, opened[id]])),
      },
    ];
  });
}
