/** Metric names the Lambdas publish and the construct's dashboard and alarms read, so they cannot drift. */

/** The CloudWatch namespace Airstep's metrics are in. */
export const METRICS_NAMESPACE = 'Airstep';

/**
 * Run metrics the recorder publishes (Powertools, `service` = its POWERTOOLS_SERVICE_NAME as the only dimension;
 * the DAG id travels as metadata, so one alarm covers every DAG).
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
/** The metric a filter on dag-sync's log counts: DAG files that did not load. */
export const IMPORT_ERRORS_METRIC = 'ImportErrors';
