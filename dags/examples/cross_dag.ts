import { dag } from 'airstep';

/**
 * Cross-DAG orchestration, Airflow's way: `cross_dag_report` waits for the day's run of `cross_dag_orders`
 * (its task `load_orders`, for the same logical date) with an external-task sensor, builds the report, then
 * starts a run of `cross_dag_publish` with conf and waits for it to finish. Both waits are Wait states and
 * DynamoDB reads in the state machine: no worker is held.
 */
export const orders = dag({
  id: 'cross_dag_orders',
  schedule: '@daily',
  startDate: '2026-11-01',
  tags: ['example', 'cross-dag'],
});
orders.task('load_orders', async (ctx) => ({ day: ctx.ds, orders: 42 }));

export const publish = dag({
  id: 'cross_dag_publish',
  schedule: null,
  tags: ['example', 'cross-dag'],
  params: { report: { type: 'string', default: 'daily' }, day: { type: 'string', default: '' } },
});
publish.task('publish', async (ctx) => `published ${ctx.params.report} for ${ctx.params.day}`);

export const report = dag({
  id: 'cross_dag_report',
  schedule: '@daily',
  startDate: '2026-11-01',
  tags: ['example', 'cross-dag'],
});
const loaded = report.externalTaskSensor('wait_for_orders', {
  externalDagId: 'cross_dag_orders',
  externalTaskId: 'load_orders',
  failedStates: ['failed', 'upstream_failed'],
  pokeInterval: '1 minute',
  exponentialBackoff: true,
  maxWait: '10 minutes',
  timeout: '6 hours',
});
const built = report.task('build_report', { upstream: loaded }, async (ctx) => `report for ${ctx.ds}`);
built.then(
  report.triggerDag('publish_report', {
    dagId: 'cross_dag_publish',
    conf: { report: 'daily', day: '{{ ds }}' },
    logicalDate: '{{ logical_date }}',
    waitForCompletion: true,
    pokeInterval: '30 seconds',
    timeout: '1 hour',
  }),
);

export default report;
