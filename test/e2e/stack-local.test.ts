import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compileFiles } from '../../lib/cli/compile-files.ts';

/**
 * `npm run stack:local` end to end on MiniStack: every DAG under dags/ uploaded, registered by dag-sync, the
 * medallion DAG triggered and run by the worker to success with its outputs in the processed and analytics
 * buckets. The figures it prints are reported, not asserted.
 */
describe('stack:local on MiniStack', () => {
  it('registers every example DAG beside a broken file, and runs the medallion pipeline to success', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['bin/run-ts.js', 'localstack/stack-local.ts', '--json', '--extra', 'test/fixtures/dag-sync/cycle.ts'],
      {
        env: { ...process.env, NO_COLOR: '1' },
        timeout: 240_000,
        maxBuffer: 10 * 1024 * 1024,
      },
    );
    const summary = JSON.parse(stdout.slice(stdout.indexOf('{\n')));
    const expected = (await compileFiles(['dags'])).flatMap((file) => file.compiled.map((dag) => dag.ir.dagId)).sort();
    expect(summary.dagsRegistered).toEqual(expected);
    expect(summary.importErrors).toEqual([
      'dags/extra/cycle.ts › dag sync_cycle › task a › upstream: dependency cycle: a -> b -> a',
    ]);
    expect(summary.run.state).toBe('success');
    expect(summary.run.tasks.map((task: { key: string; state: string }) => [task.key, task.state])).toEqual([
      ['generate_analytics_summary', 'success'],
      ['ingest_customers', 'success'],
      ['ingest_orders', 'success'],
    ]);
    expect(summary.outputs).toHaveLength(3);
    expect(
      summary.outputs.some((uri: string) => uri.startsWith('s3://airstep-analytics/analytics/daily_summary/')),
    ).toBe(true);
    console.log(
      `stack:local: upload -> runnable ${summary.uploadToRunnableSeconds.max} s for ${expected.length} DAGs, trigger -> end ${summary.triggerToEndSeconds} s`,
    );
  }, 300_000);
});
