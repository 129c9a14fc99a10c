import { describe, expect, it } from 'vitest';
import { assetUriProblem, describeCondition } from '../../lib/compiler/asset-ir.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { type AssetSchedule, allOf, anyOf, asset, dag } from '../../lib/sdk/index.ts';

/** Assets as compiled: a DAG's asset schedule and tasks' outlets into the IR and the manifest, every problem at once. */
describe('Compiler: assets', () => {
  const orders = asset('s3://lake/orders', { name: 'orders', extra: { format: 'parquet' } });
  const customers = asset('s3://lake/customers');
  const fx = asset('https://fx.example.com/rates');

  const consumer = (schedule: AssetSchedule | string | null) => {
    const d = dag({ id: 'consumer', schedule });
    d.task('report', async () => 1);
    return compileDag(d);
  };

  it('compiles a list schedule as all of its assets, with no time schedule', () => {
    const result = consumer([orders, customers]);
    expect(result.problems).toEqual([]);
    expect(result.ir.schedule.expression).toBeNull();
    expect(result.ir.assets).toEqual({
      kind: 'all',
      of: [
        { kind: 'asset', uri: 's3://lake/orders', name: 'orders', extra: { format: 'parquet' } },
        { kind: 'asset', uri: 's3://lake/customers' },
      ],
    });
    expect(result.manifest?.assets).toEqual(result.ir.assets);
    expect(result.manifest?.schedule.eventbridge).toEqual([]);
  });

  it('keeps nested & and | as written (Airflow: (a & b) | c)', () => {
    const result = consumer(orders.and(customers).or(fx));
    expect(result.problems).toEqual([]);
    expect(describeCondition(result.ir.assets!)).toBe(
      '(s3://lake/orders & s3://lake/customers) | https://fx.example.com/rates',
    );
    expect(describeCondition(consumer(anyOf(allOf(orders, fx), customers)).ir.assets!)).toBe(
      '(s3://lake/orders & https://fx.example.com/rates) | s3://lake/customers',
    );
  });

  it('compiles { time, assets } to the time schedule (deployed as usual) and the condition', () => {
    const result = consumer({ time: '@daily', assets: [orders] });
    expect(result.problems).toEqual([]);
    expect(result.ir.schedule.expression).toBe('@daily');
    expect(result.manifest?.schedule.eventbridge).toHaveLength(1);
    expect(result.ir.assets).toEqual({
      kind: 'all',
      of: [{ kind: 'asset', uri: 's3://lake/orders', name: 'orders', extra: { format: 'parquet' } }],
    });
  });

  it('puts outlets into the IR and the manifest, sorted, on any kind of task', () => {
    const d = dag({ id: 'producer' });
    d.task('load', { outlets: [orders, customers] }, async () => 1);
    d.empty('mark', { outlets: [fx] });
    const result = compileDag(d);
    expect(result.problems).toEqual([]);
    const load = result.manifest?.tasks.find((task) => task.id === 'load');
    expect(load?.outlets?.map((outlet) => outlet.uri)).toEqual(['s3://lake/customers', 's3://lake/orders']);
    expect(result.ir.tasks.find((task) => task.id === 'mark')?.outlets).toEqual([
      { kind: 'asset', uri: 'https://fx.example.com/rates' },
    ]);
    expect(result.manifest?.tasks.find((task) => task.id === 'mark')?.outlets).toHaveLength(1);
  });

  it('compiles nothing asset-related for a DAG without assets (its IR and manifest stay as they were)', () => {
    const result = consumer('@daily');
    expect(result.ir).not.toHaveProperty('assets');
    expect(result.manifest).not.toHaveProperty('assets');
    expect(result.manifest?.tasks[0]).not.toHaveProperty('outlets');
  });

  it('refuses bad URIs, empty conditions and other values, every problem with its field', () => {
    const d = dag({
      id: 'bad_assets',
      // @ts-expect-error: a number is no asset
      schedule: [asset('lake/orders'), asset('s3://'), 42, anyOf()],
    });
    d.task(
      'load',
      // @ts-expect-error: outlets are assets
      { outlets: [asset('s3://ok/x'), asset('s3://ok/x'), 's3://raw/string', asset('s3://has space')] },
      async () => 1,
    );
    const problems = compileDag(d).problems.map((p) => [p.taskId ?? '', p.field, p.message]);
    expect(problems).toEqual([
      [
        '',
        'schedule[0]',
        "asset URI 'lake/orders' has no scheme: write it as <scheme>://<path>, e.g. s3://bucket/prefix",
      ],
      ['', 'schedule[1]', "asset URI 's3://' has nothing after 's3://': name what it is, e.g. s3://bucket/prefix"],
      ['', 'schedule[2]', "must be an asset (asset('s3://bucket/prefix'))"],
      ['', 'schedule[3]', "must be an asset (asset('s3://bucket/prefix'))"],
      ['load', 'outlets[1]', "asset 's3://ok/x' is listed twice"],
      ['load', 'outlets[2]', "must be an asset (asset('s3://bucket/prefix'))"],
      ['load', 'outlets[3]', "asset URI 's3://has space' contains white space"],
    ]);
  });

  it('refuses an empty list, allOf() of nothing, a bad time and unknown keys', () => {
    const fields = (schedule: unknown) =>
      // @ts-expect-error: deliberately wrong shapes
      consumer(schedule).problems.map((p) => `${p.field}: ${p.message}`);
    expect(fields([])).toEqual(['schedule: an empty list of assets is never met: use null for a DAG run only by hand']);
    expect(fields(allOf())).toEqual(['schedule: allOf() of nothing is never met']);
    expect(fields({ time: 5, assets: [orders], every: 1 })).toEqual([
      'schedule.every: unknown option(s): every',
      "schedule.time: must be a time schedule ('@daily', a cron or rate) that runs besides the assets",
    ]);
    expect(fields({ time: '0 25 * * *', assets: orders })).toEqual([
      "schedule: schedule '0 25 * * *': hour 25 is out of range 0-23",
    ]);
    expect(fields(7)[0]).toMatch(/^schedule: must be a schedule \('@daily', a cron or rate\), null/);
    expect(fields(anyOf(orders, asset('airflow://x')))).toEqual([
      "schedule.of[1]: asset URI 'airflow://x' uses the reserved scheme 'airflow'",
    ]);
  });

  it('validates URIs on their own', () => {
    expect(assetUriProblem('postgres://db/schema/table')).toBeUndefined();
    expect(assetUriProblem('file:///data/x.csv')).toBeUndefined();
    expect(assetUriProblem('s3:///')).toMatch(/has nothing after 's3:\/\/'/);
    expect(assetUriProblem(`s3://b/${'x'.repeat(1500)}`)).toMatch(/at most 1500/);
  });
});
