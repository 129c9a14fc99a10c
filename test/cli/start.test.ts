import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm start (airstep start)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('runs the medallion DAG on MiniStack, copies its outputs, and leaves no emulator behind', async () => {
    const out = await mkdtemp(join(tmpdir(), 'airstep-start-'));
    dirs.push(out);
    const { stdout } = await run(process.execPath, ['bin/airstep.js', 'start', '--out', out], {
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
  }, 150_000);
});
