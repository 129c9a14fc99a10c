import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { EventBridgeEvent } from 'aws-lambda';
import { dynamoClient } from '../../lib/dynamo/dag-record.ts';
import { recordDeadlineMiss } from '../../lib/runs/deadline-miss.ts';
import { type DeadlineMissEvent, isDeadlineMissEvent } from '../../lib/runs/deadline-schedule.ts';
import { type ExecutionStatusChange, recordExecution } from '../../lib/runs/record-execution.ts';
import { publishRunMetrics, type RunCounts, runMetricData } from '../../lib/runs/run-metrics.ts';
import { failedTaskInstances } from '../../lib/runs/run-records.ts';
import { readStackEnv } from '../../lib/stack-contract/stack-env.ts';
import { PoolSlots } from '../../lib/worker/pool-slots.ts';

const logger = new Logger();
const env = readStackEnv([
  'dagsTable',
  'runsTable',
  'taskInstancesTable',
  'queuedRunsTable',
  'alertsTopicArn',
  'poolSlotsTable',
  'pools',
  'bucket',
  'controlQueueUrl',
  'deadlineScheduleGroup',
]);
// Made once per Lambda container: one connection pool for every event it records.
const dynamo = dynamoClient();
const sfn = new SFNClient({});
const sns = new SNSClient({});
const cloudwatch = new CloudWatchClient({});
// The stack-wide copy of each run metric carries the recorder's service name (the construct sets it).
const service = process.env.POWERTOOLS_SERVICE_NAME ?? 'airstep-recorder';
// Callbacks of ended runs and timed-out tries: the manifest says which exist, the control queue's worker calls them.
const callbacks = { s3: new S3Client({}), sqs: new SQSClient({}), bucket: env.bucket, queueUrl: env.controlQueueUrl };
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
    pools,
    deadlines,
    sfn,
    sns,
    callbacks,
  });
  if (recorded === undefined || recorded.stale === true) return;
  // Task instances, as Airflow counts them: a mapped task's failed items, not also the task they sum up in.
  const failedTasks = failedTaskInstances(recorded.tasks).length;
  const counts: RunCounts = {
    ...(event.detail.status === 'RUNNING' ? { RunsStarted: 1 } : {}),
    ...(event.detail.status === 'SUCCEEDED' ? { RunsSucceeded: 1 } : {}),
    ...(recorded.state === 'failed' ? { RunsFailed: 1 } : {}),
    ...(failedTasks > 0 ? { TasksFailed: failedTasks } : {}),
    ...(recorded.deadlineMissed === true ? { DeadlineMissed: 1 } : {}),
    ...(event.detail.stopDate ? { RunDuration: event.detail.stopDate - event.detail.startDate } : {}),
  };
  await countRun(recorded.dagId, counts);
  logger.info('recorded', { ...recorded, tasks: recorded.tasks.length });
};

/** A run's deadline came: the miss recorded, counted and alerted unless the run ended in time. */
async function deadlineCame(event: DeadlineMissEvent): Promise<void> {
  const result = await recordDeadlineMiss(event, {
    dynamo,
    runsTable: env.runsTable,
    sns,
    alertsTopicArn: env.alertsTopicArn,
    callbacks,
    sfn,
  });
  if (result.recorded) await countRun(event.dagId, { DeadlineMissed: 1 });
  logger.info('deadline', { ...event, ...result });
}

/**
 * Publishes an event's run metrics. The event is recorded by then: a failed publish is logged, never thrown, so a
 * metrics hiccup neither fails the recorder (its error alarm) nor has EventBridge deliver the event again.
 */
async function countRun(dagId: string, counts: RunCounts): Promise<void> {
  try {
    await publishRunMetrics(cloudwatch, runMetricData(dagId, service, counts, new Date()));
  } catch (error) {
    logger.warn('run metrics not published', { dagId, counts, error: (error as Error).message });
  }
}
