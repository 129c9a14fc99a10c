import {
  type CloudWatchClient,
  DeleteAlarmsCommand,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { DAG_ALARM_KINDS, type DagAlarmKind } from '../sdk/alarms.ts';
import { DAG_DIMENSION, dagAlarmNamePrefix, METRICS_NAMESPACE } from '../stack-contract/metrics.ts';

/** What dag-sync needs to make a DAG's own alarms: CloudWatch, the stack's name prefix and its alerts topic. */
export interface DagAlarmSettings {
  readonly cloudwatch: CloudWatchClient;
  readonly namePrefix: string;
  readonly alertsTopicArn: string;
}

/** Per kind: the recorder's metric the alarm watches, the name's suffix and what the alert says happened. */
const ALARMS: Readonly<Record<DagAlarmKind, { metric: string; suffix: string; what: string }>> = {
  onFailure: { metric: 'RunsFailed', suffix: 'failed-runs', what: 'a run failed' },
  onDeadlineMiss: { metric: 'DeadlineMissed', suffix: 'deadline-misses', what: 'a run missed its deadline' },
};

/** `<prefix>-dag-<dagId>-failed-runs` / `-deadline-misses`: the DAG and what happened, readable in any alert. */
export function dagAlarmName(namePrefix: string, dagId: string, kind: DagAlarmKind): string {
  return `${dagAlarmNamePrefix(namePrefix)}${dagId}-${ALARMS[kind].suffix}`;
}

/**
 * The alarm of one kind for one DAG: its series of the recorder's metric (the `DagId` dimension), in alarm at 1
 * or more in a 5-minute period (the stack's own run alarms use the same rule), missing data not breaching (a
 * DAG that does not run is not failing), alarm actions to the stack's alerts topic.
 */
export function dagAlarmInput(
  dagId: string,
  kind: DagAlarmKind,
  settings: Omit<DagAlarmSettings, 'cloudwatch'>,
): PutMetricAlarmCommandInput {
  const { metric, what } = ALARMS[kind];
  return {
    AlarmName: dagAlarmName(settings.namePrefix, dagId, kind),
    AlarmDescription: `Airstep DAG ${dagId}: ${what} (airstep runs ${dagId} --stack <stack> names it, with its console link)`,
    Namespace: METRICS_NAMESPACE,
    MetricName: metric,
    Dimensions: [{ Name: DAG_DIMENSION, Value: dagId }],
    Statistic: 'Sum',
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    AlarmActions: [settings.alertsTopicArn],
  };
}

/**
 * Makes a DAG's alarms what it asks for: PutMetricAlarm for each kind asked (creates or updates; the same input
 * again changes nothing), one DeleteAlarms for the kinds not asked (every kind for a DAG that went away). A name
 * that has no alarm is no error for DeleteAlarms (the names that exist are deleted).
 */
export async function syncDagAlarms(
  dagId: string,
  wanted: readonly DagAlarmKind[],
  settings: DagAlarmSettings,
): Promise<{ readonly put: string[]; readonly deleted: string[] }> {
  const put: string[] = [];
  for (const kind of wanted) {
    const input = dagAlarmInput(dagId, kind, settings);
    await settings.cloudwatch.send(new PutMetricAlarmCommand(input));
    put.push(input.AlarmName!);
  }
  const deleted = DAG_ALARM_KINDS.filter((kind) => !wanted.includes(kind)).map((kind) =>
    dagAlarmName(settings.namePrefix, dagId, kind),
  );
  try {
    await settings.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: deleted }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFound' && (error as Error).name !== 'ResourceNotFoundException')
      throw error;
  }
  return { put, deleted };
}
