import { describe, expect, it } from 'vitest';
import { executionName } from '../../lib/runs/execution-name.ts';

describe('executionName', () => {
  it('replaces every character Step Functions forbids in a name and keeps the rest', () => {
    expect(executionName('scheduled__2026-11-23T00:00:00+00:00')).toBe('scheduled__2026-11-23T00_00_00_00_00');
    expect(executionName('manual__2026-11-24T06:30:00-05:30')).toBe('manual__2026-11-24T06_30_00-05_30');
    expect(executionName('a b<c>{d}[e]?*"#%\\^|~`$&,;:/é')).toBe(`a_b_c__d__e${'_'.repeat(18)}`);
  });

  it('gives the same name for the same run id every time, so a second StartExecution of a run is refused', () => {
    const runId = 'backfill__2026-01-01T00:00:00+01:00';
    expect(executionName(runId)).toBe(executionName(runId));
    expect(executionName(runId)).not.toBe(executionName('backfill__2026-01-02T00:00:00+01:00'));
  });

  it('keeps a long run id under 80 characters with a hash of the whole, so long ids still differ', () => {
    const long = (suffix: string) => `manual__${'x'.repeat(90)}${suffix}`;
    const [a, b] = [executionName(long('a')), executionName(long('b'))];
    expect(a).toHaveLength(80);
    expect(b).toHaveLength(80);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^manual__x+_[0-9a-f]{8}$/);
    expect(executionName(long('a'))).toBe(a);
  });
});
