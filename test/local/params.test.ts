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
