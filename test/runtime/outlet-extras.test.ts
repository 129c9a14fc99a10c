import { describe, expect, it } from 'vitest';
import type { WorkerTask } from '../../lib/compiler/worker-contract.ts';
import { keptOutcome } from '../../lib/runtime/kept-task.ts';
import { OutletExtras, outletExtraCount } from '../../lib/runtime/outlet-extras.ts';
import { asset, NonRetryableError } from '../../lib/sdk/index.ts';

/** One try's outlet extras: what the code sets, what the worker answers, what it refuses. */
const task = (over: Partial<WorkerTask> = {}) => ({
  id: 't',
  kind: 'code' as const,
  mapped: false,
  outlets: ['s3://b/a', 's3://b/b'],
  ...over,
});

describe('OutletExtras', () => {
  it('answers one extra per outlet in order, by asset or URI, {} when untouched, a JSON copy', () => {
    const extras = new OutletExtras(task(), false);
    expect(extras.answered).toBe(true);
    extras.accessor(asset('s3://b/b')).extra = { rows: 3, at: new Date('2026-01-01T00:00:00Z') };
    expect(extras.accessor('s3://b/b')).toBe(extras.accessor(asset('s3://b/b')));
    expect(extras.answer()).toEqual([{}, { rows: 3, at: '2026-01-01T00:00:00.000Z' }]);
  });

  it('refuses an asset that is not an outlet, a mapped task, a poke, a non-object and too many bytes', () => {
    expect(() => new OutletExtras(task(), false).accessor('s3://b/c')).toThrow(NonRetryableError);
    expect(() => new OutletExtras(task({ mapped: true }), false).accessor('s3://b/a')).toThrow(/mapped task/);
    expect(() => new OutletExtras(task({ kind: 'poll_sensor' }), true).accessor('s3://b/a')).toThrow(/sensor/);
    const array = new OutletExtras(task(), false);
    (array.accessor('s3://b/a') as { extra: unknown }).extra = null;
    expect(() => array.answer()).toThrow(/must be a JSON object, got null/);
    const big = new OutletExtras(task(), false);
    big.accessor('s3://b/a').extra = { a: 'x'.repeat(4000) };
    big.accessor('s3://b/b').extra = { b: 'y'.repeat(4000) };
    expect(big.answer()).toHaveLength(2);
    big.accessor('s3://b/b').extra = { b: 'y'.repeat(4300) };
    expect(() => big.answer()).toThrow(/over the 8192 allowed/);
  });

  it('counts what a try answers, and a kept instance answers {} per outlet (its state reads them)', () => {
    expect(outletExtraCount({ kind: 'task' }, task())).toBe(2);
    expect(outletExtraCount({ kind: 'poke' }, task({ kind: 'poll_sensor' }))).toBe(0);
    expect(outletExtraCount({ kind: 'task' }, task({ mapped: true }))).toBe(0);
    expect(outletExtraCount({ kind: 'task' }, task({ outlets: undefined }))).toBe(0);
    const message = {
      kind: 'task',
      taskId: 't',
      mapIndex: -1,
      retryCount: 0,
      ctx: { clear: { kept: { t: { state: 'success', output: 7, try: 2 } }, priorTries: {} } },
    } as unknown as Parameters<typeof keptOutcome>[0];
    expect(keptOutcome(message, undefined, task())).toEqual({
      ok: true,
      result: { output: 7, try: 2, outletExtra: [{}, {}] },
    });
    expect(keptOutcome(message, undefined, task({ outlets: undefined }))).toEqual({
      ok: true,
      result: { output: 7, try: 2 },
    });
  });
});
