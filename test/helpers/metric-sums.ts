import { type CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { METRICS_NAMESPACE, type RecorderMetric } from '../../lib/stack-contract/metrics.ts';

/**
 * A statistic of one Airstep metric series over the last day and the next hour, summed over its periods, as an
 * emulator stores what PutMetricData sent (0 when nothing was published). `Sum` counts, `SampleCount` says how
 * many datums came, `Maximum` the largest.
 */
export async function metricTotal(
  cloudwatch: CloudWatchClient,
  metric: RecorderMetric,
  dimensions: Readonly<Record<string, string>>,
  stat: 'Sum' | 'SampleCount' | 'Maximum' = 'Sum',
): Promise<number> {
  const now = Date.now();
  const { MetricDataResults = [] } = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(now - 24 * 3600_000),
      EndTime: new Date(now + 3600_000),
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: {
              Namespace: METRICS_NAMESPACE,
              MetricName: metric,
              Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
            },
            Period: 60,
            Stat: stat,
          },
        },
      ],
    }),
  );
  const values = MetricDataResults[0]?.Values ?? [];
  return stat === 'Maximum' ? Math.max(0, ...values) : values.reduce((sum, value) => sum + value, 0);
}
