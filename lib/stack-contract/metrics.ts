/** Metric names the Lambdas publish and the construct's dashboard and alarms read, so they cannot drift. */

/** The CloudWatch namespace Airstep's metrics are in. */
export const METRICS_NAMESPACE = 'Airstep';

/**
 * Run metrics the recorder publishes (PutMetricData), each datum twice: once with the DAG as its only dimension
 * (`DagId`: per-DAG graphs and alarms) and once with `service` (the recorder's POWERTOOLS_SERVICE_NAME: one
 * stack-wide series, so one alarm covers every DAG without a metric math total).
 */
export const RECORDER_METRICS = [
  'RunsStarted',
  'RunsSucceeded',
  'RunsFailed',
  'TasksFailed',
  'RunDuration',
  /** Runs that had not ended by their DAG's deadline. */
  'DeadlineMissed',
] as const;
export type RecorderMetric = (typeof RECORDER_METRICS)[number];

/** The dimension naming the DAG a run metric is about. */
export const DAG_DIMENSION = 'DagId';
/** The dimension of the stack-wide copy of each run metric (its value: the recorder's service name). */
export const STACK_WIDE_DIMENSION = 'service';

/** The metric a filter on dag-sync's log counts: DAG files that did not load. */
export const IMPORT_ERRORS_METRIC = 'ImportErrors';

/**
 * The start of every per-DAG alarm's name: dag-sync creates and deletes alarms under it, and the construct grants
 * exactly this prefix (`<namePrefix>-dag-<dagId>-<kind>`).
 */
export const dagAlarmNamePrefix = (namePrefix: string): string => `${namePrefix}-dag-`;
