import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildIr } from '../../lib/compiler/build-ir.ts';
import { dagAlarmInput, dagAlarmName } from '../../lib/dag-sync/dag-alarms.ts';
import { type DagAlarms, dag } from '../../lib/sdk/index.ts';

const run = promisify(execFile);
const FILE = 'test/fixtures/options/alarmed.ts';
const airstep = (...args: string[]) =>
  run(process.execPath, ['bin/airstep.js', ...args], { env: { ...process.env, NO_COLOR: '1' } }).catch(
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
const withAlarms = (alarms: DagAlarms | unknown, deadline = false) =>
  dag({
    id: 'billing',
    schedule: '@daily',
    ...(deadline ? { deadline: { reference: 'dataIntervalEnd' as const, interval: '1 hour' } } : {}),
    alarms: alarms as DagAlarms,
  });

/**
 * A DAG's `alarms` option: compiled into the IR (what dag-sync reads to make the alarms; test/lambdas/dag-sync
 * shows it does on moto), refused where it cannot mean anything, and shown locally, where there is no CloudWatch.
 */
describe('Option: dag alarms', () => {
  it('compiles the kinds asked for, sorted; none asked (or all false) leaves the IR without alarms', () => {
    const both = withAlarms({ onFailure: true, onDeadlineMiss: true }, true);
    both.task('t', async () => 1);
    expect(buildIr(both)).toMatchObject({ ir: { alarms: ['onDeadlineMiss', 'onFailure'] }, problems: [] });
    const off = withAlarms({ onFailure: false });
    off.task('t', async () => 1);
    expect(buildIr(off).ir.alarms).toBeUndefined();
    expect(buildIr(off).problems).toEqual([]);
  });

  it('refuses onDeadlineMiss on a DAG without a deadline, and a key it does not know, naming the field', () => {
    const noDeadline = withAlarms({ onDeadlineMiss: true });
    noDeadline.task('t', async () => 1);
    expect(buildIr(noDeadline, 'dags/billing.ts').problems).toEqual([
      {
        file: 'dags/billing.ts',
        dagId: 'billing',
        field: 'alarms.onDeadlineMiss',
        message:
          "the DAG has no deadline to miss: declare one (deadline: { reference: 'dataIntervalEnd', interval: '2 hours' }) or drop onDeadlineMiss",
      },
    ]);
    const unknown = withAlarms({ onFailure: true, onRetry: true });
    unknown.task('t', async () => 1);
    expect(buildIr(unknown).problems.map((problem) => problem.field)).toEqual(['alarms.onRetry']);
    const notBoolean = withAlarms({ onFailure: 'yes' });
    notBoolean.task('t', async () => 1);
    expect(buildIr(notBoolean).problems.map((problem) => problem.field)).toEqual(['alarms.onFailure']);
  });

  it('locally, `airstep list --json` shows the alarms dag-sync will make, and validate passes the DAG', async () => {
    const listed = await airstep('list', FILE, '--json');
    expect(JSON.parse(listed.stdout).dags[0]).toMatchObject({
      dagId: 'alarmed',
      alarms: ['onDeadlineMiss', 'onFailure'],
    });
    const validated = await airstep('validate', FILE);
    expect('code' in validated ? validated.code : 0).toBe(0);
  });

  it('names each alarm after the stack, the DAG and the kind, on the DAG’s own series, to the alerts topic', () => {
    expect(dagAlarmName('airstep', 'billing', 'onFailure')).toBe('airstep-dag-billing-failed-runs');
    expect(dagAlarmName('prod', 'billing', 'onDeadlineMiss')).toBe('prod-dag-billing-deadline-misses');
    expect(dagAlarmInput('billing', 'onDeadlineMiss', { namePrefix: 'prod', alertsTopicArn: 'arn:topic' })).toEqual({
      AlarmName: 'prod-dag-billing-deadline-misses',
      AlarmDescription:
        'Airstep DAG billing: a run missed its deadline (airstep runs billing --stack <stack> names it, with its console link)',
      Namespace: 'Airstep',
      MetricName: 'DeadlineMissed',
      Dimensions: [{ Name: 'DagId', Value: 'billing' }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: ['arn:topic'],
    });
  });
});
