import { DeleteItemCommand, type DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';

/**
 * Gates between branches on AWS, kept in DynamoDB (the task-instances table, under `gates#<execution>`): a task
 * that ends in one branch signals its record; a task in another branch that waits for it sends a gate with its
 * task token. Whichever arrives last opens the gate: the gate item is deleted under a condition, so exactly one
 * caller answers the token, with the records keyed by payload key. Signals may come before or after the gate.
 */
export interface GateMessage {
  readonly kind: 'gate';
  readonly executionArn: string;
  readonly taskId: string;
  readonly waitFor: readonly string[];
  readonly keys: Readonly<Record<string, string>>;
  readonly token: string;
}

export interface SignalMessage {
  readonly kind: 'signal';
  readonly executionArn: string;
  readonly taskId: string;
  readonly record: unknown;
}

export class GateStore {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
    /** Answers a gate's token (SendTaskSuccess). */
    private readonly open: (token: string, records: Record<string, unknown>) => Promise<void>,
  ) {}

  async handle(message: GateMessage | SignalMessage): Promise<void> {
    const runKey = { S: `gates#${message.executionArn}` };
    if (message.kind === 'signal') {
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
    for (const gate of items.filter((item) => item.taskKey!.S!.startsWith('gate#'))) {
      const waitFor = JSON.parse(gate.waitFor!.S!) as string[];
      if (!waitFor.every((id) => signals.has(id))) continue;
      try {
        await this.dynamo.send(
          new DeleteItemCommand({
            TableName: this.table,
            Key: { runKey, taskKey: gate.taskKey! },
            ConditionExpression: 'attribute_exists(taskKey)',
          }),
        );
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') continue; // another caller opened it
        throw error;
      }
      const keys = JSON.parse(gate.keys!.S!) as Record<string, string>;
      await this.open(gate.token!.S!, Object.fromEntries(waitFor.map((id) => [keys[id]!, signals.get(id)])));
    }
  }
}
