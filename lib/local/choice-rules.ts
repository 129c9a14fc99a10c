import type { ChoiceRule } from '../compiler/asl-types.ts';
import { pathExists, readPath } from './jsonpath.ts';
import { runtimeError } from './states-error.ts';

/**
 * Choice rule evaluation: And / Or / Not, and every comparison operator on strings, numbers, booleans and
 * timestamps, plain or `…Path`, plus IsPresent / IsNull / IsNumeric / IsString / IsBoolean / IsTimestamp.
 * A comparison whose variable is missing is a `States.Runtime` error, as on AWS.
 */
export function ruleMatches(rule: ChoiceRule, input: unknown, context: unknown): boolean {
  if ('And' in rule) return rule.And.every((r) => ruleMatches(r, input, context));
  if ('Or' in rule) return rule.Or.some((r) => ruleMatches(r, input, context));
  if ('Not' in rule) return !ruleMatches(rule.Not, input, context);
  const variable = rule.Variable;
  if (typeof variable !== 'string') throw runtimeError('a Choice rule needs a Variable');
  if ('IsPresent' in rule) return pathExists(variable, input, context) === rule.IsPresent;
  const value = readPath(variable, input, context);
  for (const [operator, operand] of Object.entries(rule)) {
    if (operator === 'Variable' || operator === 'Next') continue;
    if (!operator.endsWith('Path')) return compare(operator, value, operand);
    if (typeof operand !== 'string') throw runtimeError(`${operator} of a Choice rule on ${variable} must be a path`);
    return compare(operator.slice(0, -4), value, readPath(operand, input, context));
  }
  throw runtimeError(`a Choice rule on ${variable} has no comparison`);
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function compare(operator: string, value: unknown, expected: unknown): boolean {
  switch (operator) {
    case 'IsNull':
      return (value === null) === expected;
    case 'IsNumeric':
      return (typeof value === 'number') === expected;
    case 'IsString':
      return (typeof value === 'string') === expected;
    case 'IsBoolean':
      return (typeof value === 'boolean') === expected;
    case 'IsTimestamp':
      return (typeof value === 'string' && TIMESTAMP.test(value)) === expected;
    case 'BooleanEquals':
      return typeof value === 'boolean' && value === expected;
    case 'StringMatches':
      return typeof value === 'string' && typeof expected === 'string' && wildcard(expected).test(value);
  }
  const kind = operator.startsWith('String') ? 'String' : operator.startsWith('Numeric') ? 'Numeric' : 'Timestamp';
  const test = operator.slice(kind.length);
  let a: number | string;
  let b: number | string;
  if (kind === 'Numeric') {
    if (typeof value !== 'number' || typeof expected !== 'number') return false;
    [a, b] = [value, expected];
  } else if (kind === 'String') {
    if (typeof value !== 'string' || typeof expected !== 'string') return false;
    [a, b] = [value, expected];
  } else {
    if (typeof value !== 'string' || typeof expected !== 'string' || !TIMESTAMP.test(value)) return false;
    [a, b] = [Date.parse(value), Date.parse(expected)];
  }
  switch (test) {
    case 'Equals':
      return a === b;
    case 'LessThan':
      return a < b;
    case 'GreaterThan':
      return a > b;
    case 'LessThanEquals':
      return a <= b;
    case 'GreaterThanEquals':
      return a >= b;
  }
  throw runtimeError(`unknown Choice operator ${operator}`);
}

/** `StringMatches`: `*` matches any run of characters; `\*` a literal star. */
function wildcard(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\' && i + 1 < pattern.length) source += `\\${pattern[++i]!}`.replace(/\\([^*\\])/, '$1');
    else if (char === '*') source += '.*';
    else source += char.replace(/[.+?^${}()|[\]]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}
