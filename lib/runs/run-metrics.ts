import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DAG_DIMENSION,
  METRICS_NAMESPACE,
  type RecorderMetric,
  STACK_WIDE_DIMENSION,
} from '../stack-contract/metrics.ts';

/** What one recorded event counts: the metrics it adds to, by name (absent: nothing to add). */
export type RunCounts = Partial<Record<RecorderMetric, number>>;

/** A run metric's unit: durations in milliseconds, everything else a count. */
const unitOf = (metric: RecorderMetric) => (metric === 'RunDuration' ? 'Milliseconds' : 'Count');

/**
 * The datums of one recorded event: each count twice, with the DAG as dimension (per-DAG graphs, alarms and the
 * dashboard's SEARCH) and with the stack-wide `service` dimension (one series the stack's own alarms watch, so
 * no alarm needs a metric math total over every DAG). Sorted by metric name, stack-wide copy after the DAG's.
 */
export function runMetricData(dagId: string, service: string, counts: RunCounts, at: Date): MetricDatum[] {
  return (Object.entries(counts) as Array<[RecorderMetric, number | undefined]>)
    .filter((entry): entry is [RecorderMetric, number] => entry[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([metric, value]) =>
      [
        { Name: DAG_DIMENSION, Value: dagId },
        { Name: STACK_WIDE_DIMENSION, Value: service },
      ].map((dimension) => ({
        MetricName: metric,
        Dimensions: [dimension],
        Value: value,
        Unit: unitOf(metric),
        Timestamp: at,
      })),
    );
}

/** One PutMetricData of an event's datums (at most 12: six metrics, two dimensions; the API takes 1,000). */
export async function publishRunMetrics(cloudwatch: CloudWatchClient, data: readonly MetricDatum[]): Promise<void> {
  if (data.length === 0) return;
  await cloudwatch.send(new PutMetricDataCommand({ Namespace: METRICS_NAMESPACE, MetricData: [...data] }));
}
