import { Buffer } from 'node:buffer';
import { placeholdersIn } from './placeholders.ts';

/** What the compact JSON text of a definition holds, found without writing the text. */
export interface DefinitionMeasure {
  /** UTF-8 bytes of `JSON.stringify(definition)`: what Step Functions' size quota counts. */
  readonly bytes: number;
  /** Every `${Name}` in that text, sorted (as `placeholdersIn` finds them). */
  readonly placeholders: string[];
}

/**
 * Measures a definition by walking it instead of serialising it. A definition over Step Functions' size quota is
 * refused, yet its size goes into the message; for a 10,000-task DAG that text is ~18 MB which nobody reads, and
 * writing it cost more than the walk. Follows `JSON.stringify` for plain data, which is all a definition holds
 * (what the author wrote into it passed `nonJsonPart`): `undefined` and functions are left out of objects and
 * written as `null` in arrays; no `toJSON` is looked for.
 */
export function measureDefinition(definition: object): DefinitionMeasure {
  // Each distinct text once: thousands of states carry the same `${DagVersion}` or queue URL.
  const withPlaceholders = new Set<string>();
  const bytes = valueBytes(definition, withPlaceholders);
  // A line break cannot be part of a `${Name}`, so joining keeps every match and makes none.
  return { bytes, placeholders: placeholdersIn([...withPlaceholders].join('\n')) };
}

function valueBytes(value: unknown, withPlaceholders: Set<string>): number {
  if (typeof value === 'string') {
    if (value.includes('${')) withPlaceholders.add(value);
    return stringBytes(value);
  }
  if (typeof value !== 'object' || value === null) {
    // Numbers, booleans and null: short, so the native writer is cheapest.
    const text = JSON.stringify(value);
    return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
  }
  if (Array.isArray(value)) {
    let bytes = 2 + Math.max(0, value.length - 1);
    for (const item of value) bytes += omitted(item) ? 4 : valueBytes(item, withPlaceholders);
    return bytes;
  }
  let bytes = 2;
  let members = 0;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (omitted(item)) continue;
    if (key.includes('${')) withPlaceholders.add(key);
    bytes += stringBytes(key) + 1 + valueBytes(item, withPlaceholders);
    members++;
  }
  return bytes + Math.max(0, members - 1);
}

/** Left out of an object by `JSON.stringify`, and `null` in an array. */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** Printable ASCII but `"` and `\`: written as it is, between quotes (nearly every string of a definition). */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function stringBytes(text: string): number {
  return PLAIN.test(text) ? text.length + 2 : Buffer.byteLength(JSON.stringify(text), 'utf8');
}
