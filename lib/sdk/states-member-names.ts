import { NormalizedSchema } from '@smithy/core/schema';

/**
 * Step Functions names every API member in PascalCase (`StateMachineArn`), while the AWS SDK v3 keeps each
 * service's own member names (`stateMachineArn` for Step Functions, Batch, ECS…; `QueryString` for Athena).
 * Map keys (Glue's `Arguments`, tags) are data and keep their case. Only the operation's schema tells a member
 * from a map key, so both directions walk it: the SDK records a step's input in Step Functions' names, the local
 * engine turns them back into the SDK's before it calls the service and names the answer as Step Functions does.
 */
export type OperationSchema = unknown;

/** One field of an input that the operation does not have, by its path as the author wrote it. */
export interface UnknownMember {
  readonly path: string;
  readonly known: readonly string[];
}

/** `input` with every structure member renamed to Step Functions' PascalCase; unknown members are kept and listed. */
export function toStatesNames(
  schema: OperationSchema,
  value: unknown,
  path = '',
): { value: unknown; unknown: UnknownMember[] } {
  const unknown: UnknownMember[] = [];
  const walk = (shape: NormalizedSchema | undefined, item: unknown, at: string): unknown => {
    if (shape === undefined || item === null || typeof item !== 'object') return item;
    if (Array.isArray(item)) return item.map((entry, i) => walk(listMember(shape), entry, `${at}[${i}]`));
    const entries = Object.entries(item as Record<string, unknown>);
    if (shape.isMapSchema()) {
      return Object.fromEntries(
        entries.map(([key, entry]) => [key, walk(shape.getValueSchema(), entry, `${at}.${key}`)]),
      );
    }
    if (!shape.isStructSchema()) return item;
    const members = new Map([...shape.structIterator()]);
    const out: Record<string, unknown> = {};
    for (const [key, entry] of entries) {
      const member = members.get(key);
      if (member === undefined)
        unknown.push({ path: `${at}${at === '' ? '' : '.'}${key}`, known: [...members.keys()] });
      out[member === undefined ? key : pascal(key)] = walk(member, entry, `${at}${at === '' ? '' : '.'}${key}`);
    }
    return out;
  };
  return { value: walk(normalized(schema), value, path), unknown };
}

/** Step Functions' PascalCase names back to the SDK's own member names (the inverse of `toStatesNames`). */
export function toSdkNames(schema: OperationSchema, value: unknown): unknown {
  return rename(normalized(schema), value, (members, key) => {
    for (const name of members) if (name === key || pascal(name) === key) return name;
    return key;
  });
}

/** An SDK answer with its members in Step Functions' PascalCase, dates as ISO text, bytes as text. */
export function toStatesOutput(schema: OperationSchema, value: unknown): unknown {
  return rename(normalized(schema), value, (_members, key) => pascal(key));
}

function rename(
  shape: NormalizedSchema | undefined,
  value: unknown,
  nameOf: (members: readonly string[], key: string) => string,
): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((entry) => rename(shape && listMember(shape), entry, nameOf));
  const entries = Object.entries(value as Record<string, unknown>).filter(([key]) => key !== '$metadata');
  if (shape?.isMapSchema() === true) {
    return Object.fromEntries(entries.map(([key, entry]) => [key, rename(shape.getValueSchema(), entry, nameOf)]));
  }
  const members = shape?.isStructSchema() === true ? new Map([...shape.structIterator()]) : new Map();
  const names = [...members.keys()];
  const out: Record<string, unknown> = {};
  for (const [key, entry] of entries) {
    const name = shape?.isStructSchema() === true ? nameOf(names, key) : key;
    out[name] = rename(members.get(key) ?? members.get(name), entry, nameOf);
  }
  return out;
}

function listMember(shape: NormalizedSchema): NormalizedSchema | undefined {
  return shape.isListSchema() ? shape.getValueSchema() : undefined;
}

function normalized(schema: OperationSchema): NormalizedSchema | undefined {
  if (schema === undefined || schema === null) return undefined;
  try {
    return NormalizedSchema.of(schema as Parameters<typeof NormalizedSchema.of>[0]);
  } catch {
    return undefined;
  }
}

function pascal(name: string): string {
  return name.length === 0 ? name : `${name[0]!.toUpperCase()}${name.slice(1)}`;
}
