import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import type { EventBridgeEvent } from 'aws-lambda';
import { dynamoClient } from '../../lib/dynamo/dag-record.ts';
import { recordDeadlineMiss } from '../../lib/runs/deadline-miss.ts';
import { type DeadlineMissEvent, isDeadlineMissEvent } from '../../lib/runs/deadline-schedule.ts';
import { type ExecutionStatusChange, recordExecution } from '../../lib/runs/record-execution.ts';
import { failedTaskInstances } from '../../lib/runs/run-records.ts';
import { METRICS_NAMESPACE } from '../../lib/stack-contract/metrics.ts';
import { readStackEnv } from '../../lib/stack-contract/stack-env.ts';
import { PoolSlots } from '../../lib/worker/pool-slots.ts';

const logger = new Logger();
const metrics = new Metrics({ namespace: METRICS_NAMESPACE });
const env = readStackEnv([
  'dagsTable',
  'runsTable',
  'taskInstancesTable',
  'queuedRunsTable',
  'alertsTopicArn',
  'poolSlotsTable',
  'pools',
  'deadlineScheduleGroup',
]);
// Made once per Lambda container: one connection pool for every event it records.
const dynamo = dynamoClient();
const sfn = new SFNClient({});
const sns = new SNSClient({});
const pools = new PoolSlots(dynamo, env.poolSlotsTable, JSON.parse(env.pools) as Record<string, number>);
const deadlines = { scheduler: new SchedulerClient({}), group: env.deadlineScheduleGroup };

/**
 * Step Functions status changes of Airstep runs (records, metrics, alerts, the next queued run), and runs'
 * deadlines as their schedules fire (or the trigger hands over one already past).
 */
export const handler = async (
  event: EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange> | DeadlineMissEvent,
) => {
  if (isDeadlineMissEvent(event)) {
    await deadlineCame(event);
    return;
  }
  const recorded = await recordExecution(event.detail, {
    dynamo,
    tables: {
      dags: env.dagsTable,
      runs: env.runsTable,
      taskInstances: env.taskInstancesTable,
      queuedRuns: env.queuedRunsTable,
    },
    alertsTopicArn: env.alertsTopicArn,
    region: event.region,
    pools,
    deadlines,
    sfn,
    sns,
  });
  if (recorded === undefined || recorded.stale === true) return;
  // One series per metric (dimension `service` only), so one alarm covers every DAG; the DAG id is metadata.
  metrics.addMetadata('dagId', recorded.dagId);
  if (event.detail.status === 'RUNNING') metrics.addMetric('RunsStarted', MetricUnit.Count, 1);
  if (event.detail.status === 'SUCCEEDED') metrics.addMetric('RunsSucceeded', MetricUnit.Count, 1);
  if (recorded.state === 'failed') metrics.addMetric('RunsFailed', MetricUnit.Count, 1);
  // Task instances, as Airflow counts them: a mapped task's failed items, not also the task they sum up in.
  const failedTasks = failedTaskInstances(recorded.tasks).length;
  if (failedTasks > 0) metrics.addMetric('TasksFailed', MetricUnit.Count, failedTasks);
  if (recorded.deadlineMissed === true) metrics.addMetric('DeadlineMissed', MetricUnit.Count, 1);
  if (event.detail.stopDate)
    metrics.addMetric('RunDuration', MetricUnit.Milliseconds, event.detail.stopDate - event.detail.startDate);
  metrics.publishStoredMetrics();
  logger.info('recorded', { ...recorded, tasks: recorded.tasks.length });
};

/** A run's deadline came: the miss recorded, counted and alerted unless the run ended in time. */
async function deadlineCame(event: DeadlineMissEvent): Promise<void> {
  const result = await recordDeadlineMiss(event, {
    dynamo,
    runsTable: env.runsTable,
    sns,
    alertsTopicArn: env.alertsTopicArn,
  });
  if (result.recorded) {
    metrics.addMetadata('dagId', event.dagId);
    metrics.addMetric('DeadlineMissed', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  }
  logger.info('deadline', { ...event, ...result });
}
