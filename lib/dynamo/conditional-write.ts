/**
 * Whether a DynamoDB write was refused by its `ConditionExpression` (the item was not in the state the write
 * expected): the answer a conditional write gives when another writer got there first, never a fault.
 */
export function isConditionalCheckFailure(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
}
