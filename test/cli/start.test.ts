import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../lib/local/local-store.ts';

const run = promisify(execFile);

describe('npm start (airstep start)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('runs the medallion DAG on MiniStack, copies its outputs, and leaves no emulator behind', async () => {
    // In a folder of its own, as a clone is, so the run's store (.airstep/) is not the developer's.
    const project = await mkdtemp(join(tmpdir(), 'airstep-start-'));
    dirs.push(project);
    await symlink(resolve('dags'), join(project, 'dags'), 'dir');
    const out = join(project, 'out');
    const { stdout } = await run(process.execPath, [resolve('bin/airstep.js'), 'start', '--out', out], {
      cwd: project,
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 120_000,
    });
    expect(stdout).toMatch(/ingest_customers\s+success\s+1 /);
    expect(stdout).toMatch(/ingest_orders\s+success\s+1 /);
    expect(stdout).toMatch(/generate_analytics_summary\s+success\s+1 /);
    expect(stdout).toContain('run success');

    const ds = /ds=(\d{4}-\d{2}-\d{2})/.exec(stdout)?.[1];
    expect(ds).toBeDefined();
    const summary = JSON.parse(
      await readFile(join(out, 'airstep-analytics', 'analytics', 'daily_summary', `ds=${ds}`, 'summary.json'), 'utf8'),
    );
    // From dags/_data/raw: 5 customers with an id, 5 completed orders, one by a customer not in the CSV.
    expect(summary).toEqual({
      ds,
      customers: 5,
      orders: 5,
      revenue: 311.74,
      revenueByCountry: { GB: 162.75, US: 93.99, unknown: 55 },
      unknownCustomerOrders: 1,
    });
    const customers = JSON.parse(
      await readFile(join(out, 'airstep-processed', 'processed', 'customers', `ds=${ds}`, 'customers.json'), 'utf8'),
    );
    expect(customers).toHaveLength(5);

    const endpoint = /MiniStack ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    expect(endpoint).toBeDefined();
    await expect(fetch(`${endpoint}/_ministack/health`)).rejects.toThrow();
    // The run is recorded where the command ran.
    expect(stdout).toContain('run record, task instances and logs: .airstep/');
    const runs = await new LocalStore(join(project, '.airstep')).runs();
    expect(runs.map((r) => [r.dagId, r.state])).toEqual([['s3_medallion_ingestion', 'success']]);
  }, 150_000);
});
