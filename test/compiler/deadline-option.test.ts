import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { dag } from '../../lib/sdk/index.ts';

/** The `deadline` DAG option as compiled: into the IR and the manifest (dag-sync copies it to the DAG record). */
describe('Compiler: deadline', () => {
  const compiled = (deadline: Parameters<typeof dag>[0]['deadline']) => {
    const d = dag({ id: 'with_deadline', schedule: '@daily', ...(deadline !== undefined ? { deadline } : {}) });
    d.task('load', async () => 1);
    return compileDag(d);
  };

  it('keeps the reference, the interval in whole seconds (rounded up) and alerts by default', () => {
    const result = compiled({ reference: 'dataIntervalEnd', interval: '1h30m' });
    expect(result.problems).toEqual([]);
    expect(result.ir.deadline).toEqual({ reference: 'dataIntervalEnd', intervalSeconds: 5400, alert: true });
    expect(result.manifest?.deadline).toEqual(result.ir.deadline);
    expect(compiled({ reference: 'queuedAt', interval: 1500, alert: false }).ir.deadline).toEqual({
      reference: 'queuedAt',
      intervalSeconds: 2,
      alert: false,
    });
  });

  it('compiles no deadline for a DAG without one', () => {
    const result = compiled(undefined);
    expect(result.ir).not.toHaveProperty('deadline');
    expect(result.manifest).not.toHaveProperty('deadline');
  });

  it('refuses a negative interval and a missing reference, naming the field', () => {
    // @ts-expect-error: the reference is required
    const result = compiled({ interval: -5 });
    expect(result.problems.map((problem) => [problem.field, problem.message])).toEqual([
      [
        'deadline.reference',
        'is required: what the deadline counts from (one of: logicalDate, dataIntervalEnd, queuedAt)',
      ],
      ['deadline.interval', 'must be a non-negative number of ms, got -5'],
    ]);
    expect(result.ir).not.toHaveProperty('deadline');
  });
});
