/**
 * Values the compiler writes into the ASL or the manifest (mapped items, `partial`, Lambda payloads, native-step
 * fields, param defaults) must be JSON: `JSON.stringify` silently drops functions and `undefined`, turns class
 * instances into bags of fields, and throws on a BigInt or a cycle.
 */

/** The first part of `value` that is not JSON, with its path under `path`, or undefined when it all is. */
export function nonJsonPart(value: unknown, path: string): { path: string; message: string } | undefined {
  return walk(value, path, new Set());
}

function walk(value: unknown, path: string, ancestors: Set<object>): { path: string; message: string } | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : notJson(path, String(value));
  if (typeof value !== 'object') return notJson(path, value === undefined ? 'undefined' : `a ${typeof value}`);
  if (ancestors.has(value)) return notJson(path, 'a reference to itself (a cycle)');
  const prototype = Object.getPrototypeOf(value);
  const isArray = Array.isArray(value);
  if (!isArray && prototype !== Object.prototype && prototype !== null) {
    return notJson(path, `a ${prototype?.constructor?.name ?? 'class instance'}`);
  }
  // An object key set to undefined is left out (as an unset option is); a list keeps its places.
  const entries: Array<[string, unknown]> = isArray
    ? (value as unknown[]).map((item, index) => [`${path}[${index}]`, item])
    : Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .map(([key, item]) => [`${path}.${key}`, item]);
  ancestors.add(value);
  try {
    for (const [itemPath, item] of entries) {
      const found = walk(item, itemPath, ancestors);
      if (found !== undefined) return found;
    }
    return undefined;
  } finally {
    ancestors.delete(value);
  }
}

function notJson(path: string, got: string): { path: string; message: string } {
  return { path, message: `must be JSON (strings, numbers, booleans, null, lists, plain objects), got ${got}` };
}
