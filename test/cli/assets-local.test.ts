import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../lib/local/local-store.ts';
import { scratchProject } from '../helpers/scratch-project.ts';

const FIXTURES = resolve('test/fixtures/assets');
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Waits for output to match (a readiness wait with a generous backstop, never a timing assertion). */
function output(child: ChildProcess) {
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return {
    get text() {
      return text;
    },
    async waitFor(pattern: RegExp, timeoutMs = 120_000): Promise<RegExpMatchArray> {
      for (const giveUp = Date.now() + timeoutMs; Date.now() < giveUp; ) {
        const match = pattern.exec(text);
        if (match !== null) return match;
        await new Promise((done) => setTimeout(done, 200));
      }
      throw new Error(`timed out waiting for ${pattern}; output:\n${text}`);
    },
  };
}

describe('airstep dev, run and assets: asset-triggered runs locally', () => {
  it('dev runs the consumer after the outlets of the producer task updated its asset, with the triggering event in its context', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airstep-assets-dev-'));
    dirs.push(dir);
    await mkdir(join(dir, 'dags'));
    await mkdir(join(dir, 'node_modules'));
    await symlink(resolve('.'), join(dir, 'node_modules', 'airstep'), 'dir');
    await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
    await copyFile(join(FIXTURES, 'lake_producer.ts'), join(dir, 'dags', 'lake_producer.ts'));
    await copyFile(join(FIXTURES, 'lake_consumer.ts'), join(dir, 'dags', 'lake_consumer.ts'));
    const child = spawn(process.execPath, [resolve('bin/airstep.js'), 'dev'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    const out = output(child);
    try {
      await out.waitFor(/lake_producer › scheduled__\S+ success/);
      const [, runId] = await out.waitFor(/lake_consumer › (asset_triggered__\S+) success/);
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);

      const store = new LocalStore(join(dir, '.airstep'));
      const producerRun = (await store.runs('lake_producer'))[0]!;
      const consumerRuns = await store.runs('lake_consumer');
      expect(consumerRuns.map((run) => [run.runId, run.runType, run.state])).toEqual([
        [runId, 'asset_triggered', 'success'],
      ]);
      const [report] = await store.tasks('lake_consumer', runId!);
      expect(report?.output).toEqual({
        runType: 'asset_triggered',
        ds: consumerRuns[0]!.logicalDate.slice(0, 10),
        triggering: { 's3://dev-lake/orders': [`lake_producer.load ${producerRun.runId}`] },
      });

      // `airstep assets` lists the asset, its producer and consumer, its last event, and nothing queued now.
      const listed = await new Promise<string>((done) => {
        const list = spawn(process.execPath, [resolve('bin/airstep.js'), 'assets', '--json'], { cwd: dir });
        let text = '';
        list.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        list.on('exit', () => done(text));
      });
      const catalog = JSON.parse(listed);
      expect(catalog.assets).toMatchObject([
        {
          uri: 's3://dev-lake/orders',
          producers: [{ dagId: 'lake_producer', taskId: 'load' }],
          consumers: [{ dagId: 'lake_consumer', condition: 's3://dev-lake/orders' }],
          lastEvent: { sourceDagId: 'lake_producer', sourceRunId: producerRun.runId },
          events: 1,
        },
      ]);
      expect(catalog.consumers).toEqual([
        {
          dagId: 'lake_consumer',
          condition: 's3://dev-lake/orders',
          queued: 0,
          queueing: true,
          waitingFor: ['s3://dev-lake/orders'],
        },
      ]);
    } catch (error) {
      console.log(`airstep dev printed:\n${out.text}`);
      throw error;
    } finally {
      child.kill('SIGKILL');
    }
  }, 300_000);

  it('airstep run of a producer records and prints its events; validate notes nothing as local only', async () => {
    const project = await scratchProject('assets-run');
    try {
      const ran = await project.airstep('run', resolve('dags/examples/asset_producer.ts'));
      expect(ran.code).toBe(0);
      expect(ran.stdout).toContain(
        'asset event s3://airstep-lake/orders (task load_orders): DAGs scheduled on it run in airstep dev',
      );
      expect(ran.stdout).toContain('asset event s3://airstep-lake/customers (task load_customers)');
      // --json carries the events the run recorded, with what the task attached (its outlet extra).
      const json = await project.airstep('run', resolve('dags/examples/asset_producer.ts'), '--json');
      expect(json.code).toBe(0);
      const ended = JSON.parse(json.stdout) as {
        run: { runId: string };
        assetEvents: Array<{ uri: string; sourceTaskId: string; sourceRunId: string; extra: unknown }>;
      };
      expect(ended.assetEvents.map((e) => [e.uri, e.sourceTaskId, e.extra]).sort()).toEqual([
        ['s3://airstep-lake/customers', 'load_customers', {}],
        ['s3://airstep-lake/orders', 'load_orders', { rows: 42, partition: expect.any(String) }],
      ]);
      for (const event of ended.assetEvents) expect(event.sourceRunId).toBe(ended.run.runId);
      // `tasks <run> --json` reads the same events back from the store (the first run's are not among them).
      const tasks = await project.airstep('tasks', ended.run.runId, '--dag', 'asset_producer', '--json');
      expect([tasks.code, tasks.stderr]).toEqual([0, '']);
      const shown = JSON.parse(tasks.stdout) as { assetEvents: typeof ended.assetEvents };
      const byUri = (events: typeof ended.assetEvents) => [...events].sort((a, b) => (a.uri < b.uri ? -1 : 1));
      expect(byUri(shown.assetEvents)).toEqual(byUri(ended.assetEvents));
      const listed = await project.airstep('assets', resolve('dags/examples'));
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(
        /s3:\/\/airstep-lake\/orders \(orders\)\s+asset_producer › load_orders\s+asset_consumer, asset_consumer_any\s+\S+ by asset_producer › load_orders/,
      );
      expect(listed.stdout).toMatch(
        /asset_consumer_any\s+https:\/\/fx\.example\.com\/rates\/daily \| \(s3:\/\/airstep-lake\/orders & s3:\/\/airstep-lake\/customers\)/,
      );

      // Each asset's watchers are listed with it.
      const catalog = JSON.parse((await project.airstep('assets', resolve('dags/examples'), '--json')).stdout);
      expect(
        catalog.assets.find((entry: { uri: string }) => entry.uri === 's3://airstep-raw/landing/orders/').watchers,
      ).toEqual([
        {
          name: expect.any(String),
          watches: expect.stringMatching(/^S3 objects created in s3:\/\/airstep-raw\/landing\/orders\//),
        },
      ]);
      expect(listed.stdout).toMatch(/events:\/\/shop\/orders\/large.*order-placed: EventBridge events matching/);

      const list = await project.airstep('list', resolve('dags/examples/asset_consumer.ts'), '--json');
      expect(
        JSON.parse(list.stdout).dags.map((d: { dagId: string; schedule: string | null; assets?: string }) => [
          d.dagId,
          d.schedule,
          d.assets,
        ]),
      ).toEqual([
        ['asset_consumer', null, 's3://airstep-lake/orders & s3://airstep-lake/customers'],
        [
          'asset_consumer_any',
          '0 6 * * *',
          'https://fx.example.com/rates/daily | (s3://airstep-lake/orders & s3://airstep-lake/customers)',
        ],
      ]);

      const validated = await project.airstep('validate', resolve('dags/examples/asset_consumer.ts'), '--json');
      expect(validated.code).toBe(0);
      // Asset schedules and outlets work in the deployed stack too: nothing is noted as local only any more.
      expect(JSON.parse(validated.stdout).files[0]).not.toHaveProperty('localOnly');
    } finally {
      await project.remove();
    }
  }, 180_000);
});
