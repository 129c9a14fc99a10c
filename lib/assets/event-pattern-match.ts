/**
 * Does an EventBridge event match a pattern? The local side of a watcher (`airstep assets emit`), so it implements
 * EventBridge's documented rules for the operators `eventPatternProblems` accepts, and nothing else: a field matches
 * when its value (or, for a list, any of its items) matches any matcher of the pattern's list; every field of the
 * pattern must match; `$or` needs one alternative to match; a field missing from the event matches only
 * `exists: false`. Pure.
 */

type Json = unknown;

export function matchesEventPattern(pattern: Readonly<Record<string, unknown>>, event: Json): boolean {
  return matchObject(pattern, event);
}

function matchObject(pattern: Readonly<Record<string, unknown>>, value: Json): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(expected as Array<Record<string, unknown>>).some((alternative) => matchObject(alternative, value)))
        return false;
      continue;
    }
    const present = isObject(value) && Object.hasOwn(value, key);
    const actual = present ? (value as Record<string, unknown>)[key] : undefined;
    if (isObject(expected) && !Array.isArray(expected)) {
      if (!present || !isObject(actual) || Array.isArray(actual) || !matchObject(expected, actual)) return false;
      continue;
    }
    if (!matchField(expected as readonly unknown[], present, actual)) return false;
  }
  return true;
}

function matchField(matchers: readonly unknown[], present: boolean, actual: Json): boolean {
  return matchers.some((matcher) => {
    if (isObject(matcher) && !Array.isArray(matcher) && 'exists' in matcher)
      // An empty list or an object counts as absent for `exists` (EventBridge matches leaf values only).
      return matcher.exists === (present && isLeafPresent(actual));
    if (!present) return false;
    const values = Array.isArray(actual) ? actual : [actual];
    if (isObject(matcher) && !Array.isArray(matcher) && 'anything-but' in matcher)
      // Like every matcher, on a list it looks at each item alone: one item that is not excluded matches.
      return values.some((value) => anythingBut(matcher['anything-but'], value));
    return values.some((value) => matchValue(matcher, value));
  });
}

function isLeafPresent(value: Json): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return !isObject(value);
}

function matchValue(matcher: unknown, value: Json): boolean {
  if (matcher === null || typeof matcher !== 'object') return exactly(matcher, value);
  const [operator, argument] = Object.entries(matcher as Record<string, unknown>)[0]!;
  if (typeof value !== 'string' && operator !== 'numeric') return false;
  switch (operator) {
    case 'prefix':
      return typeof argument === 'string'
        ? (value as string).startsWith(argument)
        : lower(value as string).startsWith(lower(ignoreCase(argument)));
    case 'suffix':
      return typeof argument === 'string'
        ? (value as string).endsWith(argument)
        : lower(value as string).endsWith(lower(ignoreCase(argument)));
    case 'equals-ignore-case':
      return lower(value as string) === lower(argument as string);
    case 'wildcard':
      return wildcard(argument as string, value as string);
    case 'numeric':
      return typeof value === 'number' && numeric(argument as readonly (string | number)[], value);
    default:
      return false;
  }
}

function anythingBut(argument: unknown, value: Json): boolean {
  if (Array.isArray(argument)) return argument.every((excluded) => !exactly(excluded, value));
  if (isObject(argument)) {
    const [inner, excluded] = Object.entries(argument as Record<string, unknown>)[0]!;
    if (typeof value !== 'string') return false;
    const list = (Array.isArray(excluded) ? excluded : [excluded]) as string[];
    if (inner === 'prefix') return !value.startsWith(list[0]!);
    if (inner === 'suffix') return !value.endsWith(list[0]!);
    if (inner === 'equals-ignore-case') return list.every((item) => lower(item) !== lower(value));
    if (inner === 'wildcard') return list.every((item) => !wildcard(item, value));
    return false;
  }
  return !exactly(argument, value);
}

function exactly(expected: unknown, value: Json): boolean {
  if (typeof expected === 'number' && typeof value === 'number') return expected === value;
  return expected === value;
}

function numeric(conditions: readonly (string | number)[], value: number): boolean {
  for (let index = 0; index < conditions.length; index += 2) {
    const bound = conditions[index + 1] as number;
    const holds =
      conditions[index] === '<'
        ? value < bound
        : conditions[index] === '<='
          ? value <= bound
          : conditions[index] === '='
            ? value === bound
            : conditions[index] === '>'
              ? value > bound
              : value >= bound;
    if (!holds) return false;
  }
  return true;
}

/** `*` matches any run of characters; `\*` a literal star, `\\` a backslash. */
function wildcard(pattern: string, value: string): boolean {
  let source = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index]!;
    if (char === '\\' && (pattern[index + 1] === '*' || pattern[index + 1] === '\\')) {
      source += escapeRegExp(pattern[index + 1]!);
      index += 1;
    } else source += char === '*' ? '.*' : escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 's').test(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function ignoreCase(argument: unknown): string {
  return (argument as { 'equals-ignore-case': string })['equals-ignore-case'];
}

function lower(text: string): string {
  return text.toLowerCase();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
