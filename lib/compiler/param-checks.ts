import type { ParamSpec } from '../sdk/params.ts';
import { nonJsonPart } from './json-values.ts';
import { compileParamPattern } from './param-pattern.ts';

/**
 * A param's schema checked against itself: bounds that leave no valid value, a pattern that is not a regular
 * expression RE2 takes (the trigger would throw on it), and a default its own schema refuses. The trigger applies a default
 * without validating it, so a bad default would reach every run that does not set the param.
 */
/** RE2's reasons for syntax that needs backtracking (backreferences `\\1`, lookahead `(?=`, lookbehind `(?<!`). */
const UNSUPPORTED_SYNTAX = /unsupported Perl syntax|invalid named capture|invalid escape sequence: `\\[1-9]/;

export function paramProblems(spec: ParamSpec): string[] {
  // The options schema reports a spec that is not an object.
  if (typeof spec !== 'object' || spec === null) return [];
  const problems: string[] = [];
  const isNumber = spec.type === 'number' || spec.type === 'integer';
  if (isNumber && spec.minimum !== undefined && spec.maximum !== undefined && spec.minimum > spec.maximum) {
    problems.push(`minimum ${spec.minimum} is above maximum ${spec.maximum}`);
  }
  if (
    spec.type === 'string' &&
    spec.minLength !== undefined &&
    spec.maxLength !== undefined &&
    spec.minLength > spec.maxLength
  ) {
    problems.push(`minLength ${spec.minLength} is above maxLength ${spec.maxLength}`);
  }
  let pattern: ((value: string) => boolean) | undefined;
  if (spec.type === 'string' && typeof spec.pattern === 'string') {
    const compiled = compileParamPattern(spec.pattern);
    if (compiled.ok) pattern = compiled.test;
    else {
      problems.push(
        `pattern ${JSON.stringify(spec.pattern)} is not a regular expression RE2 accepts (${compiled.reason})${UNSUPPORTED_SYNTAX.test(compiled.reason) ? '; RE2 matches in linear time, so it has no backreferences or lookaround' : ''}`,
      );
    }
  }
  const value = spec.default;
  if (value === undefined) return problems;
  const notJson = nonJsonPart(value, 'default');
  if (notJson !== undefined) return [...problems, `${notJson.path} ${notJson.message}`];
  const shown = JSON.stringify(value);
  if (!hasType(value, spec.type)) return [...problems, `default ${shown} is not of type ${spec.type}`];
  if ('enum' in spec && spec.enum !== undefined) {
    if (!(spec.enum as readonly unknown[]).includes(value)) {
      problems.push(`default ${shown} is not one of ${JSON.stringify(spec.enum)}`);
    }
    // With an enum, the trigger checks membership only (as it does here).
    return problems;
  }
  if (typeof value === 'number' && isNumber) {
    if (spec.minimum !== undefined && value < spec.minimum)
      problems.push(`default ${value} is below minimum ${spec.minimum}`);
    if (spec.maximum !== undefined && value > spec.maximum)
      problems.push(`default ${value} is above maximum ${spec.maximum}`);
  }
  if (typeof value === 'string' && spec.type === 'string') {
    if (spec.minLength !== undefined && value.length < spec.minLength) {
      problems.push(`default ${shown} is shorter than minLength ${spec.minLength}`);
    }
    if (spec.maxLength !== undefined && value.length > spec.maxLength) {
      problems.push(`default ${shown} is longer than maxLength ${spec.maxLength}`);
    }
    if (pattern !== undefined && !pattern(value)) {
      problems.push(`default ${shown} does not match pattern ${JSON.stringify(spec.pattern)}`);
    }
  }
  if (Array.isArray(value) && spec.type === 'array' && spec.items !== undefined) {
    const index = value.findIndex((item) => !hasType(item, spec.items!));
    if (index >= 0) problems.push(`default[${index}] ${JSON.stringify(value[index])} is not of type ${spec.items}`);
  }
  return problems;
}

function hasType(value: unknown, type: ParamSpec['type']): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      // An unknown type is reported by the options schema.
      return true;
  }
}
