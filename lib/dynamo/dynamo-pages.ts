import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
} from '@aws-sdk/client-dynamodb';

type Item = Record<string, AttributeValue>;

/** Every item a Query finds, over all its pages, read consistently. */
export function queryAll(dynamo: DynamoDBClient, input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): Promise<Item[]> {
  return allPages((start) =>
    dynamo.send(new QueryCommand({ ...input, ConsistentRead: true, ExclusiveStartKey: start })),
  );
}

/** Every item a Scan finds, over all its pages, read consistently. */
export function scanAll(dynamo: DynamoDBClient, input: Omit<ScanCommandInput, 'ExclusiveStartKey'>): Promise<Item[]> {
  return allPages((start) =>
    dynamo.send(new ScanCommand({ ...input, ConsistentRead: true, ExclusiveStartKey: start })),
  );
}

async function allPages(
  read: (start: Item | undefined) => Promise<{ Items?: Item[]; LastEvaluatedKey?: Item }>,
): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await read(start);
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}
