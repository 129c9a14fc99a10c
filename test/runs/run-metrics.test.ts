import { describe, expect, it } from 'vitest';
import { runMetricData } from '../../lib/runs/run-metrics.ts';

describe('runMetricData', () => {
  it('gives each count twice, with the DAG as dimension and the stack-wide service, durations in milliseconds', () => {
    const at = new Date('2026-12-06T10:00:00Z');
    const data = runMetricData('billing', 'airstep-recorder', { RunsFailed: 1, RunDuration: 1500, TasksFailed: 2 }, at);
    expect(data.map((datum) => [datum.MetricName, datum.Dimensions, datum.Value, datum.Unit])).toEqual([
      ['RunDuration', [{ Name: 'DagId', Value: 'billing' }], 1500, 'Milliseconds'],
      ['RunDuration', [{ Name: 'service', Value: 'airstep-recorder' }], 1500, 'Milliseconds'],
      ['RunsFailed', [{ Name: 'DagId', Value: 'billing' }], 1, 'Count'],
      ['RunsFailed', [{ Name: 'service', Value: 'airstep-recorder' }], 1, 'Count'],
      ['TasksFailed', [{ Name: 'DagId', Value: 'billing' }], 2, 'Count'],
      ['TasksFailed', [{ Name: 'service', Value: 'airstep-recorder' }], 2, 'Count'],
    ]);
    expect(data.every((datum) => datum.Timestamp === at)).toBe(true);
  });

  it('publishes nothing for an event that counts nothing', () => {
    expect(runMetricData('billing', 'airstep-recorder', {}, new Date())).toEqual([]);
  });
});
