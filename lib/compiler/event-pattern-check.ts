/**
 * Checks an EventBridge event pattern before it is deployed as a rule or matched locally. The local matcher
 * (lib/assets/event-pattern-match.ts) implements the documented comparison operators below; a pattern using any
 * other (`cidr`, a future one) is refused here, so a watcher never matches differently in `airstep dev` than in the
 * cloud. Pure.
 */

/** The operators the local matcher implements, each with the value it takes. */
export const EVENT_PATTERN_OPERATORS = [
  'prefix',
  'suffix',
  'anything-but',
  'numeric',
  'exists',
  'equals-ignore-case',
  'wildcard',
] as const;

/** PutRule's limit on `EventPattern`. */
export const EVENT_PATTERN_MAX_LENGTH = 4096;

const NUMERIC_OPERATORS = new Set(['<', '<=', '=', '>', '>=']);

/** Every problem of `pattern`, each with the path of the part at fault under `field`. */
export function eventPatternProblems(
  pattern: unknown,
  field: string,
): Array<{ readonly field: string; readonly message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  if (!isPlainObject(pattern)) {
    problems.push({ field, message: 'must be an EventBridge event pattern (an object such as { source: [...] })' });
    return problems;
  }
  if (Object.keys(pattern).length === 0) {
    problems.push({ field, message: 'an empty pattern would match every event on the bus: name what to match' });
    return problems;
  }
  const text = JSON.stringify(pattern);
  if (text === undefined || text.length > EVENT_PATTERN_MAX_LENGTH)
    problems.push({
      field,
      message: `is ${text?.length ?? '?'} characters as JSON; EventBridge takes at most ${EVENT_PATTERN_MAX_LENGTH}`,
    });
  checkObject(pattern, field, problems);
  return problems;
}

function checkObject(
  pattern: Record<string, unknown>,
  path: string,
  problems: Array<{ field: string; message: string }>,
) {
  for (const [key, value] of Object.entries(pattern)) {
    const at = `${path}.${key}`;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isPlainObject))
        problems.push({ field: at, message: 'must be a list of at least two patterns (objects)' });
      else
        value.forEach((alternative, index) => {
          if (Object.keys(alternative).length === 0)
            problems.push({ field: `${at}[${index}]`, message: 'an empty alternative matches every event' });
          else checkObject(alternative, `${at}[${index}]`, problems);
        });
    } else if (isPlainObject(value)) {
      if (Object.keys(value).length === 0) problems.push({ field: at, message: 'an empty object matches nothing' });
      else checkObject(value, at, problems);
    } else if (Array.isArray(value)) {
      if (value.length === 0) problems.push({ field: at, message: 'an empty list matches no event' });
      value.forEach((item, index) => {
        checkMatcher(item, `${at}[${index}]`, problems);
      });
    } else
      problems.push({
        field: at,
        message: `must be a list of values or operators (e.g. ["a", { "prefix": "b" }]), got ${JSON.stringify(value)}`,
      });
  }
}

function checkMatcher(item: unknown, at: string, problems: Array<{ field: string; message: string }>) {
  if (item === null || typeof item === 'string' || typeof item === 'boolean') return;
  if (typeof item === 'number') {
    if (!Number.isFinite(item)) problems.push({ field: at, message: 'must be a finite number' });
    return;
  }
  if (!isPlainObject(item) || Object.keys(item).length !== 1) {
    problems.push({ field: at, message: 'must be a value (string, number, boolean, null) or one operator object' });
    return;
  }
  const [operator, argument] = Object.entries(item)[0]!;
  const problem = operatorProblem(operator, argument);
  if (problem !== undefined) problems.push({ field: `${at}.${operator}`, message: problem });
}

/** Why `{ [operator]: argument }` is not an operator the matcher implements as EventBridge does, or undefined. */
function operatorProblem(operator: string, argument: unknown): string | undefined {
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return typeof argument === 'string' || isIgnoreCaseString(argument)
        ? undefined
        : `takes a string or { "equals-ignore-case": string }`;
    case 'equals-ignore-case':
      return typeof argument === 'string' ? undefined : 'takes a string';
    case 'wildcard':
      return typeof argument === 'string' ? wildcardProblem(argument) : 'takes a string (* matches any characters)';
    case 'exists':
      return typeof argument === 'boolean' ? undefined : 'takes true or false';
    case 'numeric':
      return numericProblem(argument);
    case 'anything-but':
      return anythingButProblem(argument);
    default:
      return `'${operator}' is not an operator Airstep matches (it implements ${EVENT_PATTERN_OPERATORS.join(', ')} and $or), so a local run could not match it as EventBridge would`;
  }
}

function anythingButProblem(argument: unknown): string | undefined {
  if (typeof argument === 'string' || (typeof argument === 'number' && Number.isFinite(argument))) return undefined;
  if (Array.isArray(argument)) {
    if (argument.length === 0) return 'an empty list excludes nothing';
    const strings = argument.every((value) => typeof value === 'string');
    const numbers = argument.every((value) => typeof value === 'number' && Number.isFinite(value));
    return strings || numbers ? undefined : 'takes a list of strings or a list of numbers';
  }
  if (isPlainObject(argument) && Object.keys(argument).length === 1) {
    const [inner, value] = Object.entries(argument)[0]!;
    if (inner === 'prefix' || inner === 'suffix')
      return typeof value === 'string' ? undefined : `${inner} takes a string`;
    if (inner === 'equals-ignore-case' || inner === 'wildcard') {
      const values = Array.isArray(value) ? value : [value];
      if (values.length === 0 || !values.every((v) => typeof v === 'string'))
        return `${inner} takes a string or a list of strings`;
      return inner === 'wildcard'
        ? values.map((v) => wildcardProblem(v as string)).find((p) => p !== undefined)
        : undefined;
    }
    return `'anything-but' with '${inner}' is not matched by Airstep (it takes a value, a list, prefix, suffix, equals-ignore-case or wildcard)`;
  }
  return 'takes a value, a list of values, or { prefix | suffix | equals-ignore-case | wildcard: … }';
}

function numericProblem(argument: unknown): string | undefined {
  const shape = 'takes [op, number] or [op, number, op, number] with op one of <, <=, =, >, >=';
  if (!Array.isArray(argument) || (argument.length !== 2 && argument.length !== 4)) return shape;
  for (let index = 0; index < argument.length; index += 2) {
    if (typeof argument[index] !== 'string' || !NUMERIC_OPERATORS.has(argument[index] as string)) return shape;
    if (typeof argument[index + 1] !== 'number' || !Number.isFinite(argument[index + 1])) return shape;
  }
  if (argument.length === 4) {
    const [low, , high] = [argument[0] as string, argument[1], argument[2] as string];
    if (!low.startsWith('>') || !high.startsWith('<'))
      return 'a range is written [">" or ">=", low, "<" or "<=", high]';
    if ((argument[1] as number) > (argument[3] as number))
      return 'the range is empty (its low end is above its high end)';
  }
  return undefined;
}

function wildcardProblem(value: string): string | undefined {
  // EventBridge refuses consecutive wildcards: they make matching needlessly expensive.
  return value.includes('**') ? 'consecutive * are not allowed' : undefined;
}

function isIgnoreCaseString(value: unknown): boolean {
  return isPlainObject(value) && Object.keys(value).length === 1 && typeof value['equals-ignore-case'] === 'string';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
