import type { AslState, StateGraph, StateMachineDefinition } from '../compiler/asl-types.ts';
import { AirstepError } from '../sdk/errors.ts';

/** A definition the local engine cannot run, with the state and field at fault. */
export class InvalidDefinitionError extends AirstepError {
  override readonly name = 'InvalidDefinitionError';

  constructor(
    readonly stateName: string | undefined,
    readonly field: string,
    problem: string,
  ) {
    super(`${stateName !== undefined ? `state '${stateName}' › ` : ''}${field}: ${problem}`, {
      code: 'INVALID_DEFINITION',
    });
  }
}

const STATE_TYPES = new Set<string>(['Pass', 'Task', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map']);

/**
 * The one place where JSON (compiled ASL text, parsed) becomes a typed definition for the interpreter. A light
 * structural check: each state's Type, its transition and the fields the interpreter reads have the right JSON
 * types; values (paths, intrinsics, ARNs) are checked when they are used, as Step Functions reports them.
 */
export function parseDefinition(json: unknown): StateMachineDefinition {
  checkGraph(json, undefined);
  if (isObject(json) && json.TimeoutSeconds !== undefined && typeof json.TimeoutSeconds !== 'number') {
    throw new InvalidDefinitionError(undefined, 'TimeoutSeconds', 'must be a number');
  }
  return json;
}

type JsonObject = { readonly [field: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `where` is the state holding the graph (a Parallel or Map), or undefined for the whole machine. */
function checkGraph(value: unknown, where: string | undefined): asserts value is StateGraph {
  const at = (field: string) => (where !== undefined ? `${field} of a branch` : field);
  if (!isObject(value)) throw new InvalidDefinitionError(where, at('definition'), 'must be a JSON object');
  if (typeof value.StartAt !== 'string') throw new InvalidDefinitionError(where, at('StartAt'), 'must be a string');
  if (!isObject(value.States)) throw new InvalidDefinitionError(where, at('States'), 'must be a JSON object');
  if (!(value.StartAt in value.States)) {
    throw new InvalidDefinitionError(where, at('StartAt'), `names no state ('${value.StartAt}')`);
  }
  for (const [name, state] of Object.entries(value.States)) checkState(name, state);
}

function checkState(name: string, state: unknown): asserts state is AslState {
  const fail = (field: string, problem: string): never => {
    throw new InvalidDefinitionError(name, field, problem);
  };
  if (!isObject(state)) return fail('state', 'must be a JSON object');
  const type = state.Type;
  if (typeof type !== 'string' || !STATE_TYPES.has(type)) {
    return fail('Type', `must be one of ${[...STATE_TYPES].join(', ')}, got ${JSON.stringify(type)}`);
  }
  const optional = (field: string, kind: 'string' | 'number' | 'object' | 'path') => {
    const value = state[field];
    if (value === undefined) return;
    if (
      kind === 'path'
        ? value !== null && typeof value !== 'string'
        : kind === 'object'
          ? !isObject(value)
          : typeof value !== kind
    ) {
      fail(field, kind === 'path' ? 'must be a path or null' : `must be a ${kind === 'object' ? 'JSON object' : kind}`);
    }
  };
  for (const field of ['InputPath', 'OutputPath', 'ResultPath']) optional(field, 'path');
  for (const field of ['Parameters', 'ResultSelector', 'ItemSelector']) optional(field, 'object');

  const ends = type === 'Choice' || type === 'Succeed' || type === 'Fail';
  if (!ends && (typeof state.Next === 'string') === (state.End === true)) {
    fail('Next', 'set exactly one of Next (a state name) and End: true');
  }
  if (state.Next !== undefined && !(typeof state.Next === 'string')) fail('Next', 'must be a string');
  checkErrorHandling(state, fail);

  switch (type) {
    case 'Task':
      if (typeof state.Resource !== 'string') fail('Resource', 'must be a string');
      for (const field of ['TimeoutSeconds', 'HeartbeatSeconds']) optional(field, 'number');
      optional('TimeoutSecondsPath', 'string');
      return;
    case 'Choice':
      if (!Array.isArray(state.Choices)) return fail('Choices', 'must be a list of rules');
      state.Choices.forEach((rule, index) => {
        checkRule(rule, `Choices[${index}]`, fail);
        if (!isObject(rule) || typeof rule.Next !== 'string') fail(`Choices[${index}].Next`, 'must be a string');
      });
      optional('Default', 'string');
      return;
    case 'Wait':
      if (!['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'].some((field) => state[field] !== undefined)) {
        fail('Seconds', 'set one of Seconds, SecondsPath, Timestamp and TimestampPath');
      }
      optional('Seconds', 'number');
      for (const field of ['SecondsPath', 'Timestamp', 'TimestampPath']) optional(field, 'string');
      return;
    case 'Fail':
      for (const field of ['Error', 'ErrorPath', 'Cause', 'CausePath']) optional(field, 'string');
      return;
    case 'Parallel':
      if (!Array.isArray(state.Branches)) return fail('Branches', 'must be a list of branches');
      for (const branch of state.Branches) checkGraph(branch, name);
      return;
    case 'Map':
      optional('ItemsPath', 'string');
      for (const field of ['MaxConcurrency', 'ToleratedFailureCount', 'ToleratedFailurePercentage']) {
        optional(field, 'number');
      }
      if (state.ItemProcessor === undefined && state.Iterator !== undefined) {
        fail('Iterator', 'is the older name of ItemProcessor, which the local engine reads; use ItemProcessor');
      }
      checkGraph(state.ItemProcessor, name);
      return;
  }
}

/** A rule is `And` / `Or` of a list of rules, `Not` of one, or a comparison on a `Variable`. */
function checkRule(rule: unknown, field: string, fail: (field: string, problem: string) => never): void {
  if (!isObject(rule)) fail(field, 'must be a JSON object');
  else if (rule.And !== undefined || rule.Or !== undefined) {
    const operator = rule.And !== undefined ? 'And' : 'Or';
    const rules = rule[operator];
    if (!Array.isArray(rules)) fail(`${field}.${operator}`, 'must be a list of rules');
    else
      rules.forEach((inner, index) => {
        checkRule(inner, `${field}.${operator}[${index}]`, fail);
      });
  } else if (rule.Not !== undefined) checkRule(rule.Not, `${field}.Not`, fail);
  else if (typeof rule.Variable !== 'string') fail(`${field}.Variable`, 'must be a path (or the rule And, Or or Not)');
}

function checkErrorHandling(state: JsonObject, fail: (field: string, problem: string) => never): void {
  for (const field of ['Retry', 'Catch'] as const) {
    const list = state[field];
    if (list === undefined) continue;
    if (!Array.isArray(list)) fail(field, 'must be a list');
    else {
      list.forEach((entry, index) => {
        const errors = isObject(entry) ? entry.ErrorEquals : undefined;
        if (!Array.isArray(errors) || !errors.every((error) => typeof error === 'string')) {
          fail(`${field}[${index}].ErrorEquals`, 'must be a list of error names');
        }
        if (field === 'Catch' && !(isObject(entry) && typeof entry.Next === 'string')) {
          fail(`${field}[${index}].Next`, 'must be a string');
        }
      });
    }
  }
}
