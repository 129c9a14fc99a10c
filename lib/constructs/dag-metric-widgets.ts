import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { DAG_DIMENSION, METRICS_NAMESPACE, type RecorderMetric } from '../stack-contract/metrics.ts';

/** How many DAGs a "top" widget shows. */
export const TOP_DAGS = 10;

/**
 * The metric math that draws one run metric of every DAG: a SEARCH over the `DagId` dimension, so the dashboard
 * names no DAG and needs no widget per DAG (its body is the same size with 1 DAG or 500; a SEARCH returns at most
 * 500 series). The exact-match `MetricName` keeps `RunsFailed` from also matching a longer name.
 */
export function perDagSearch(metric: RecorderMetric, statistic: string, periodSeconds: number): string {
  return `SEARCH('{${METRICS_NAMESPACE},${DAG_DIMENSION}} MetricName="${metric}"', '${statistic}', ${periodSeconds})`;
}

/** The `TOP_DAGS` DAGs with the highest `rank` (SUM, MAX, …) of a per-DAG search, highest first. */
export function topDags(search: string, rank: 'SUM' | 'MAX'): string {
  return `SORT(${search}, ${rank}, DESC, ${TOP_DAGS})`;
}

/** Each series labelled with its DAG id (the SEARCH's dimension value). */
const DAG_LABEL = `\${PROP('Dim.${DAG_DIMENSION}')}`;

/**
 * The dashboard's per-DAG rows: failed runs, task failures, deadline misses and succeeded runs of every DAG, the
 * DAGs failing most and the slowest DAGs over the dashboard's time range (bars), and average run duration.
 */
export function dagMetricWidgets(period: Duration): cloudwatch.IWidget[][] {
  const seconds = period.toSeconds();
  const search = (metric: RecorderMetric, statistic = 'Sum') => perDagSearch(metric, statistic, seconds);
  const lines = (title: string, expression: string, label = DAG_LABEL) =>
    new cloudwatch.GraphWidget({
      title,
      left: [new cloudwatch.MathExpression({ expression, usingMetrics: {}, label, period })],
      legendPosition: cloudwatch.LegendPosition.RIGHT,
    });
  const bars = (title: string, expression: string) =>
    new cloudwatch.GraphWidget({
      title,
      left: [new cloudwatch.MathExpression({ expression, usingMetrics: {}, label: DAG_LABEL, period })],
      view: cloudwatch.GraphWidgetView.BAR,
      // One bar per DAG for the whole range shown, not per period.
      setPeriodToTimeRange: true,
    });
  return [
    [
      new cloudwatch.TextWidget({
        markdown:
          '### Per DAG\nEvery DAG in one graph (metric math `SEARCH` over the `DagId` dimension); the bars rank ' +
          `the ${TOP_DAGS} DAGs failing most and the ${TOP_DAGS} slowest over the time range shown.`,
        width: 24,
        height: 2,
      }),
    ],
    [
      bars(`Top ${TOP_DAGS} failing DAGs (failed runs)`, topDags(search('RunsFailed'), 'SUM')),
      lines('Failed runs per DAG', search('RunsFailed')),
      lines('Task failures per DAG', search('TasksFailed')),
      lines('Deadline misses per DAG', search('DeadlineMissed')),
    ],
    [
      bars(`Top ${TOP_DAGS} slowest DAGs (longest run, ms)`, topDags(search('RunDuration', 'Maximum'), 'MAX')),
      lines('Run duration per DAG (average, ms)', search('RunDuration', 'Average')),
      lines('Succeeded runs per DAG', search('RunsSucceeded')),
      lines('Started runs per DAG', search('RunsStarted')),
    ],
  ];
}
