import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveParams } from '../../lib/runtime/params.ts';
import type { ParamSpec } from '../../lib/sdk/params.ts';

/**
 * Every field of a param's schema, each with a conf it lets through and one it refuses. The trigger Lambda (the
 * cloud) and every local command that starts a run check conf with this one function, so what holds here holds
 * on both sides; the first test keeps it so.
 */
const check = (spec: ParamSpec, value: unknown) => resolveParams({ p: spec }, value === undefined ? {} : { p: value });
const accepted = (spec: ParamSpec, value: unknown) => {
  const result = check(spec, value);
  return result.ok ? result.params.p : `refused: ${result.problems.map((problem) => problem.message).join('; ')}`;
};

describe('Param schema fields, as a trigger and a local run check conf', () => {
  it('the trigger Lambda and the local commands (run, start, backfill, dev) all check conf with resolveParams', () => {
    for (const file of [
      'lib/runs/trigger-run.ts',
      'lib/cli/run.ts',
      'lib/cli/start.ts',
      'lib/cli/backfill.ts',
      'lib/cli/dev-child.ts',
    ]) {
      expect(readFileSync(file, 'utf8'), file).toMatch(/resolveParams\(/);
    }
  });

  it('type: string, number, integer, boolean, object and array values are checked by type', () => {
    expect(accepted({ type: 'string' }, 'a')).toBe('a');
    expect(accepted({ type: 'string' }, 1)).toMatch(/^refused/);
    expect(accepted({ type: 'number' }, 1.5)).toBe(1.5);
    expect(accepted({ type: 'integer' }, 1.5)).toMatch(/^refused/);
    expect(accepted({ type: 'boolean' }, 'yes')).toMatch(/^refused/);
    expect(accepted({ type: 'object' }, { a: 1 })).toEqual({ a: 1 });
    expect(accepted({ type: 'object' }, [1])).toMatch(/^refused/);
    expect(accepted({ type: 'array' }, [1, 2])).toEqual([1, 2]);
    expect(accepted({ type: 'array' }, 'x')).toMatch(/^refused/);
  });

  it('items: the type of every element of an array', () => {
    expect(accepted({ type: 'array', items: 'string' }, ['a', 'b'])).toEqual(['a', 'b']);
    expect(accepted({ type: 'array', items: 'string' }, ['a', 2])).toMatch(/^refused/);
  });

  it('default fills a param the conf leaves out; required refuses a conf without it', () => {
    expect(accepted({ type: 'string', default: 'raw' }, undefined)).toBe('raw');
    expect(accepted({ type: 'string', default: 'raw' }, 'given')).toBe('given');
    expect(accepted({ type: 'string', required: true }, undefined)).toMatch(/^refused/);
    expect(accepted({ type: 'string' }, undefined)).toBeUndefined();
  });

  it('enum: one of the listed strings or numbers', () => {
    expect(accepted({ type: 'string', enum: ['full', 'incremental'] }, 'full')).toBe('full');
    expect(accepted({ type: 'string', enum: ['full', 'incremental'] }, 'partial')).toMatch(/^refused/);
    expect(accepted({ type: 'integer', enum: [1, 7] }, 7)).toBe(7);
    expect(accepted({ type: 'integer', enum: [1, 7] }, 3)).toMatch(/^refused: must be one of 1, 7/);
  });

  it('minimum and maximum bound a number', () => {
    expect(accepted({ type: 'number', minimum: 1, maximum: 10 }, 10)).toBe(10);
    expect(accepted({ type: 'number', minimum: 1, maximum: 10 }, 0)).toMatch(/^refused/);
    expect(accepted({ type: 'number', minimum: 1, maximum: 10 }, 11)).toMatch(/^refused/);
  });

  it('minLength, maxLength and pattern bound a string', () => {
    expect(accepted({ type: 'string', minLength: 2, maxLength: 3 }, 'ab')).toBe('ab');
    expect(accepted({ type: 'string', minLength: 2 }, 'a')).toMatch(/^refused/);
    expect(accepted({ type: 'string', maxLength: 3 }, 'abcd')).toMatch(/^refused/);
    expect(accepted({ type: 'string', pattern: '^[a-z]+$' }, 'abc')).toBe('abc');
    expect(accepted({ type: 'string', pattern: '^[a-z]+$' }, 'ab1')).toBe('refused: must match /^[a-z]+$/');
  });
});
