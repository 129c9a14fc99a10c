import { runtimeError, StatesError } from './states-error.ts';

/**
 * The JSONPath subset Amazon States Language uses: `$`, `.name`, `['name']`, `[index]`, `[*]` (reading only),
 * and `$$` for the context object. Reading a missing field is a `States.Runtime` error, as on AWS.
 */
type Segment = { kind: 'field'; name: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };

const cache = new Map<string, { root: '$' | '$$'; segments: Segment[] }>();

function parsePath(path: string): { root: '$' | '$$'; segments: Segment[] } {
  const known = cache.get(path);
  if (known !== undefined) return known;
  const root = path.startsWith('$$') ? '$$' : path.startsWith('$') ? '$' : undefined;
  if (root === undefined) throw runtimeError(`invalid path '${path}': must start with $`);
  const segments: Segment[] = [];
  let i = root.length;
  while (i < path.length) {
    if (path[i] === '.') {
      const match = /^\.([^.[\]]+)/.exec(path.slice(i));
      if (match === null) throw runtimeError(`invalid path '${path}'`);
      segments.push({ kind: 'field', name: match[1]! });
      i += match[0].length;
    } else if (path[i] === '[') {
      const rest = path.slice(i);
      const quoted = /^\[\s*'([^']*)'\s*\]/.exec(rest) ?? /^\[\s*"([^"]*)"\s*\]/.exec(rest);
      const index = /^\[\s*(\d+)\s*\]/.exec(rest);
      const wildcard = /^\[\s*\*\s*\]/.exec(rest);
      if (quoted !== null) {
        segments.push({ kind: 'field', name: quoted[1]! });
        i += quoted[0].length;
      } else if (index !== null) {
        segments.push({ kind: 'index', index: Number(index[1]) });
        i += index[0].length;
      } else if (wildcard !== null) {
        segments.push({ kind: 'wildcard' });
        i += wildcard[0].length;
      } else {
        throw runtimeError(`invalid path '${path}'`);
      }
    } else {
      throw runtimeError(`invalid path '${path}'`);
    }
  }
  const parsed = { root, segments } as const;
  cache.set(path, parsed);
  return parsed;
}

const MISSING = Symbol('missing');

/** Reads a path; `undefined` only if `optional` and the path does not exist. */
export function readPath(path: string, input: unknown, context: unknown, optional = false): unknown {
  if (path === '$') return input;
  const { root, segments } = parsePath(path);
  const result = walk(root === '$$' ? context : input, segments, 0);
  if (result === MISSING) {
    if (optional) return undefined;
    throw runtimeError(`the JSONPath '${path}' could not be found in the input`);
  }
  return result;
}

/** Whether a path exists (Choice `IsPresent`). */
export function pathExists(path: string, input: unknown, context: unknown): boolean {
  const { root, segments } = parsePath(path);
  return walk(root === '$$' ? context : input, segments, 0) !== MISSING;
}

function walk(value: unknown, segments: readonly Segment[], from: number): unknown {
  let current = value;
  for (let i = from; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.kind === 'wildcard') {
      if (typeof current !== 'object' || current === null) return MISSING;
      const found = (Array.isArray(current) ? current : Object.values(current))
        .map((item) => walk(item, segments, i + 1))
        .filter((item) => item !== MISSING);
      // A JSONPath with several wildcards selects one flat list of nodes (`$[*][*]` on [[1, 2], [3]] is
      // [1, 2, 3]), as AWS's JSONPath does: each deeper wildcard's matches are spliced in, not nested.
      return segments.some((later, j) => j > i && later.kind === 'wildcard') ? (found as unknown[][]).flat() : found;
    }
    if (segment.kind === 'index') {
      if (!Array.isArray(current) || segment.index >= current.length) return MISSING;
      current = current[segment.index];
    } else {
      if (typeof current !== 'object' || current === null || Array.isArray(current) || !(segment.name in current)) {
        return MISSING;
      }
      current = (current as Record<string, unknown>)[segment.name];
    }
  }
  return current;
}

/**
 * ResultPath: places `value` into a copy of `input` at a reference path (no wildcards), creating objects on
 * the way as AWS does. `null` discards the result; `$` replaces the input.
 */
export function writePath(path: string | null | undefined, input: unknown, value: unknown): unknown {
  if (path === null) return input;
  if (path === undefined || path === '$') return value;
  const { root, segments } = parsePath(path);
  if (root === '$$') throw runtimeError(`ResultPath '${path}' cannot point into the context object`);
  const write = (current: unknown, i: number): unknown => {
    if (i === segments.length) return value;
    const segment = segments[i]!;
    if (segment.kind === 'wildcard') throw runtimeError(`ResultPath '${path}' cannot contain [*]`);
    if (segment.kind === 'index') {
      if (!Array.isArray(current) || segment.index >= current.length) {
        throw new StatesError('States.ResultPathMatchFailure', `ResultPath '${path}': no array item to replace`);
      }
      const copy = [...current];
      copy[segment.index] = write(current[segment.index], i + 1);
      return copy;
    }
    const base =
      typeof current === 'object' && current !== null && !Array.isArray(current)
        ? (current as Record<string, unknown>)
        : undefined;
    if (base === undefined && current !== undefined) {
      throw runtimeError(`ResultPath '${path}' cannot be applied: a value on the way is not an object`);
    }
    return { ...(base ?? {}), [segment.name]: write(base?.[segment.name], i + 1) };
  };
  return write(input, 0);
}
