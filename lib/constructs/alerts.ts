import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The CloudWatch namespace the recorder and worker publish Airstep metrics in. */
export const METRICS_NAMESPACE = 'Airstep';

export interface AlertsProps {
  readonly functions: Record<string, lambda.IFunction>;
  readonly taskQueues: Record<string, sqs.IQueue>;
  readonly deadLetterQueues: readonly sqs.IQueue[];
  /** Email to subscribe to alerts. @default - no subscription */
  readonly alarmEmail?: string;
}

/**
 * Alerts and the dashboard: an encrypted SNS topic (the recorder publishes failed runs to it; alarms too), a
 * dashboard of runs, task failures, durations, queue depth, dead letters, import errors and Lambda errors, and
 * alarms on dead letters, Lambda errors and failed runs.
 */
export class Alerts extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Airstep alerts',
      masterKey: kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
      enforceSSL: true,
    });
    if (props.alarmEmail !== undefined)
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const toTopic = new actions.SnsAction(this.topic);

    const airstep = (metricName: string, statistic = 'Sum') =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, statistic, period: Duration.minutes(5) });
    const failedRuns = airstep('RunsFailed');
    new cloudwatch.Alarm(this, 'FailedRuns', {
      metric: failedRuns,
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: 'An Airstep DAG run failed',
    }).addAlarmAction(toTopic);
    props.deadLetterQueues.forEach((queue, index) => {
      new cloudwatch.Alarm(this, `DeadLetters${index}`, {
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: 'Messages reached an Airstep dead-letter queue',
      }).addAlarmAction(toTopic);
    });
    for (const [name, fn] of Object.entries(props.functions)) {
      new cloudwatch.Alarm(this, `${name}Errors`, {
        metric: fn.metricErrors({ period: Duration.minutes(5) }),
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `The Airstep ${name} function failed`,
      }).addAlarmAction(toTopic);
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard');
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Runs',
        left: [airstep('RunsSucceeded'), failedRuns, airstep('RunsStarted')],
      }),
      new cloudwatch.GraphWidget({ title: 'Task failures', left: [airstep('TasksFailed'), airstep('TaskRetries')] }),
      new cloudwatch.GraphWidget({
        title: 'Durations (ms)',
        left: [airstep('RunDuration', 'Average'), airstep('TaskDuration', 'Average')],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Queue depth',
        left: Object.values(props.taskQueues).map((queue) => queue.metricApproximateNumberOfMessagesVisible()),
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead letters',
        left: props.deadLetterQueues.map((queue) => queue.metricApproximateNumberOfMessagesVisible()),
      }),
      new cloudwatch.GraphWidget({ title: 'Import errors', left: [airstep('ImportErrors', 'Maximum')] }),
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: Object.values(props.functions).map((fn) => fn.metricErrors()),
      }),
    );
  }
}
