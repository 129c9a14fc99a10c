import type { NativeAction } from '../sdk/task-spec.ts';
import { parseTemplate } from './templates.ts';

/** The DynamoDB JSON type descriptors: an attribute value is an object with exactly one of them. */
const DYNAMO_TYPES = ['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL'] as const;

/** The fields of each DynamoDB step that Step Functions passes on as attribute maps in DynamoDB JSON. */
const ATTRIBUTE_MAPS: Partial<Record<NativeAction, readonly string[]>> = {
  dynamodb_get: ['key'],
  dynamodb_put: ['item'],
  dynamodb_update: ['key', 'expressionAttributeValues'],
};

/**
 * DynamoDB steps pass `key` and `item` to the service as they are, so plain values (`{ pk: 'x' }`) are only
 * refused at run time with a ValidationException. Each attribute must be DynamoDB JSON (`{ pk: { S: 'x' } }`).
 */
export function dynamoAttributeProblems(
  action: NativeAction,
  fields: Readonly<Record<string, unknown>>,
): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  for (const name of ATTRIBUTE_MAPS[action] ?? []) {
    const map = fields[name];
    if (typeof map !== 'object' || map === null || Array.isArray(map)) continue;
    for (const [attribute, value] of Object.entries(map)) {
      if (isLoneValueReference(value)) continue;
      const keys = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
      if (keys.length === 1 && (DYNAMO_TYPES as readonly string[]).includes(keys[0]!)) continue;
      problems.push({
        field: `${name}.${attribute}`,
        message: `must be a DynamoDB attribute value such as { S: 'text' } or { N: '42' }, got ${JSON.stringify(value)}`,
      });
    }
  }
  return problems;
}

/** `'{{ xcom.task.attr }}'` or `'{{ params.attr }}'` alone: filled with the referenced value, which may be an object. */
function isLoneValueReference(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const parsed = parseTemplate(value);
  if ('error' in parsed || parsed.parts.length !== 1) return false;
  const [part] = parsed.parts;
  return part !== undefined && 'ref' in part && part.ref.kind !== 'context';
}
