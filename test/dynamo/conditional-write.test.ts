import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { isConditionalCheckFailure } from '../../lib/dynamo/conditional-write.ts';

describe('Function: isConditionalCheckFailure', () => {
  it("is true for the SDK's refusal of a ConditionExpression, whatever its class", () => {
    expect(isConditionalCheckFailure(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }))).toBe(true);
    // An emulator's answer, or a second copy of the SDK, gives the name without the class.
    expect(isConditionalCheckFailure(Object.assign(new Error('no'), { name: 'ConditionalCheckFailedException' }))).toBe(
      true,
    );
  });

  it('is false for any other failure', () => {
    expect(
      isConditionalCheckFailure(Object.assign(new Error('slow'), { name: 'ProvisionedThroughputExceededException' })),
    ).toBe(false);
    expect(isConditionalCheckFailure(undefined)).toBe(false);
  });
});
