import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { IMPORT_ERRORS_METRIC, METRICS_NAMESPACE, type RecorderMetric } from '../stack-contract/metrics.ts';
import { dagMetricWidgets } from './dag-metric-widgets.ts';

export interface AlertsProps {
  /** The four functions, for error alarms and the dashboard. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The recorder's `service` dimension (its POWERTOOLS_SERVICE_NAME). */
  readonly recorderService: string;
  /** dag-sync's log group: its `synced` lines with `outcome: import-error` become the ImportErrors metric. */
  readonly dagSyncLogs: logs.ILogGroup;
  readonly taskQueues: Readonly<Record<string, sqs.IQueue>>;
  readonly deadLetterQueues: readonly sqs.IQueue[];
  /** The failed-events queue (one of `deadLetterQueues`), alarmed with a description of what lands there. */
  readonly failedEvents: sqs.IQueue;
  /** Email to subscribe to alerts. @default - no subscription */
  readonly alarmEmail?: string;
}

/**
 * Alerts and the dashboard: an encrypted, TLS-only SNS topic (the recorder publishes failed runs to it; alarms
 * too), a dashboard of runs, task failures, durations, queue depth, dead letters, import errors and Lambda errors
 * (stack-wide), then the same per DAG (dag-metric-widgets.ts), and alarms on dead letters, failed events, Lambda
 * errors and failed runs. Per-DAG alarms are dag-sync's (a DAG's `alarms` option, lib/dag-sync/dag-alarms.ts).
 */
export class Alerts extends Construct {
  readonly topic: sns.Topic;
  /** The topic's key (the recorder's publish grant includes it; CloudWatch alarms may use it). */
  readonly topicKey: kms.Key;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    // A key of the stack's own, not the AWS-managed `aws/sns`: CloudWatch alarm actions can publish to an encrypted
    // topic only when the key's policy lets the CloudWatch service use it, and an AWS-managed key's policy cannot
    // be changed (alarms on such a topic deploy and then deliver nothing).
    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: 'Airstep alerts topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Airstep alerts',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    const { account, region, partition } = Stack.of(this);
    // Only alarms of this account and region, on the service's behalf (no confused deputy).
    const fromThisAccountsAlarms = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
    };
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsEncryptAlerts',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromThisAccountsAlarms,
      }),
    );
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromThisAccountsAlarms,
      }),
    );
    if (props.alarmEmail !== undefined)
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const toTopic = new actions.SnsAction(this.topic);
    const period = Duration.minutes(5);
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, alarmDescription: string) =>
      new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription,
      }).addAlarmAction(toTopic);

    const run = (metricName: RecorderMetric, statistic = 'Sum') =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: props.recorderService },
        statistic,
        period,
      });
    new logs.MetricFilter(this, 'ImportErrorFilter', {
      logGroup: props.dagSyncLogs,
      filterPattern: logs.FilterPattern.all(
        logs.FilterPattern.stringValue('$.message', '=', 'synced'),
        logs.FilterPattern.stringValue('$.outcome', '=', 'import-error'),
      ),
      metricNamespace: METRICS_NAMESPACE,
      metricName: IMPORT_ERRORS_METRIC,
      metricValue: '1',
    });
    const importErrors = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: IMPORT_ERRORS_METRIC,
      statistic: 'Sum',
      period,
    });

    alarm('FailedRuns', run('RunsFailed'), 'An Airstep DAG run failed (the alert on the topic names the DAG)');
    alarm(
      'DeadlineMisses',
      run('DeadlineMissed'),
      'An Airstep DAG run had not ended by its deadline (a DAG with deadline.alert publishes a message naming the run)',
    );
    props.deadLetterQueues.forEach((queue, index) => {
      if (queue === props.failedEvents) return;
      alarm(
        `DeadLetters${index}`,
        queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        'Messages reached an Airstep dead-letter queue',
      );
    });
    alarm(
      'FailedEvents',
      props.failedEvents.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      `An event Airstep could not act on is in the failed-events queue ${props.failedEvents.queueName}: a ` +
        'schedule fire the trigger refused or could not read (unknown or disabled DAG, conf failing the params, a ' +
        'scheduled time left unfilled; no run was started), or a trigger or recorder invocation that kept failing. ' +
        'Each message holds the event and the reason (in its body, or its ErrorCode and ErrorMessage attributes).',
    );
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}Errors`, fn.metricErrors({ period }), `The Airstep ${name} function failed`);
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard');
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Runs',
        left: [run('RunsStarted'), run('RunsSucceeded'), run('RunsFailed')],
      }),
      new cloudwatch.GraphWidget({ title: 'Task failures', left: [run('TasksFailed')] }),
      new cloudwatch.GraphWidget({ title: 'Deadline misses', left: [run('DeadlineMissed')] }),
      new cloudwatch.GraphWidget({
        title: 'Durations (ms)',
        left: [
          run('RunDuration', 'Average').with({ label: 'run (average)' }),
          run('RunDuration', 'p90').with({ label: 'run (p90)' }),
        ],
        right: Object.entries(props.functions).map(([name, fn]) =>
          fn.metricDuration({ statistic: 'Average', period, label: `${name} Lambda (average)` }),
        ),
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Queue depth',
        left: Object.entries(props.taskQueues).map(([name, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label: name }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead letters',
        left: props.deadLetterQueues.map((queue) =>
          queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        ),
      }),
      new cloudwatch.GraphWidget({ title: 'Import errors', left: [importErrors] }),
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: Object.entries(props.functions).map(([name, fn]) => fn.metricErrors({ period, label: name })),
      }),
    );
    for (const row of dagMetricWidgets(period)) this.dashboard.addWidgets(...row);
  }
}
