import { describe, expect, it } from 'vitest';
import { resolveParams } from '../../lib/runtime/params.ts';

const schema = {
  bucket: { type: 'string', default: 'raw' },
  limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
  mode: { type: 'string', enum: ['full', 'incremental'], required: true },
  dryRun: { type: 'boolean' },
} as const;

describe('Function: resolveParams', () => {
  it('fills defaults and keeps extra conf keys, as Airflow does', () => {
    expect(resolveParams(schema, { mode: 'full', extra: 1 })).toEqual({
      ok: true,
      params: { bucket: 'raw', limit: 10, mode: 'full', extra: 1 },
    });
  });

  it('refuses a bad conf, naming every bad param', () => {
    const result = resolveParams(schema, { limit: 1000, dryRun: 'yes' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((problem) => problem.field)).toEqual(['params.limit', 'params.mode', 'params.dryRun']);
    expect(result.problems[0]!.message).toMatch(/100/);
  });
});

describe('Function: resolveParams, patterns', () => {
  it('checks a pattern with a linear-time engine: ^(a+)+$ against a long non-matching value is refused', () => {
    // JavaScript's backtracking engine takes exponential time on this (days for 100 characters).
    const result = resolveParams({ code: { type: 'string', pattern: '^(a+)+$' } }, { code: `${'a'.repeat(100)}!` });
    expect(result).toEqual({ ok: false, problems: [{ field: 'params.code', message: 'must match /^(a+)+$/' }] });
    expect(resolveParams({ code: { type: 'string', pattern: '^(a+)+$' } }, { code: 'a'.repeat(100) }).ok).toBe(true);
  });

  it('searches anywhere in the value, as JSON Schema and Airflow do', () => {
    const schema = { region: { type: 'string', pattern: '[a-z]{2}-[a-z]+-\\d' } } as const;
    expect(resolveParams(schema, { region: 'in eu-west-1 today' }).ok).toBe(true);
    expect(resolveParams(schema, { region: 'EU-WEST-1' }).ok).toBe(false);
  });
});

describe('Function: resolveParams, names Object.prototype also has', () => {
  it('gives params named constructor and toString their defaults', () => {
    const result = resolveParams(
      { constructor: { type: 'string', default: 'built' }, toString: { type: 'integer', default: 3 } } as const,
      {},
    );
    expect(result.ok && [result.params.constructor, result.params.toString]).toEqual(['built', 3]);
  });

  it('keeps a param named __proto__ (default and conf) as an own key, never the prototype', () => {
    const schema = { ['__proto__']: { type: 'string', default: 'kept' } } as Record<
      string,
      { type: 'string'; default: string }
    >;
    const byDefault = resolveParams(schema, {});
    expect(byDefault.ok && Object.entries(byDefault.params)).toEqual([['__proto__', 'kept']]);
    const byConf = resolveParams(schema, JSON.parse('{"__proto__": "given"}') as Record<string, unknown>);
    expect(byConf.ok && Object.entries(byConf.params)).toEqual([['__proto__', 'given']]);
    expect(byConf.ok && JSON.stringify(byConf.params)).toBe('{"__proto__":"given"}');
  });

  it('refuses a conf value that only Object.prototype has, rather than reading the prototype', () => {
    const result = resolveParams({ constructor: { type: 'string', required: true } } as const, {});
    expect(result).toEqual({ ok: false, problems: [{ field: 'params.constructor', message: expect.any(String) }] });
  });
});
