import { copyFile, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { LocalStore } from '../../lib/local/local-store.ts';
import { spawnCli } from '../helpers/spawned-cli.ts';

let emulator: RunningEmulator;
let s3: S3Client;
const dirs: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator('moto');
  s3 = new S3Client({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'watch-lake' }));
}, 180_000);
afterAll(async () => {
  await emulator?.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Waits until `check` gives a value (a readiness wait with a generous backstop, never a timing assertion). */
async function until<T>(what: string, check: () => Promise<T | undefined>, log: () => string): Promise<T> {
  for (const giveUp = Date.now() + 120_000; Date.now() < giveUp; ) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`timed out waiting for ${what}; output:\n${log()}`);
}

const put = (key: string, body: string) =>
  s3.send(new PutObjectCommand({ Bucket: 'watch-lake', Key: key, Body: body }));

describe('airstep dev and assets emit: asset watchers locally', () => {
  it('fires once per new key or changed ETag under the prefix (not for the baseline), and on an emitted event matching a pattern; a restarted dev fires for what came while it was stopped', async () => {
    // Prepare: a project with the consumer, and objects present before dev starts (the baseline).
    const dir = await mkdtemp(join(tmpdir(), 'airstep-watchers-dev-'));
    dirs.push(dir);
    await mkdir(join(dir, 'dags'));
    await mkdir(join(dir, 'node_modules'));
    await symlink(resolve('.'), join(dir, 'node_modules', 'airstep'), 'dir');
    await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
    await copyFile(resolve('test/fixtures/assets/watched_consumer.ts'), join(dir, 'dags', 'watched_consumer.ts'));
    await put('landing/old.csv', 'a,b\n1,2\n');
    const startDev = () => spawnCli(dir, { ...emulator.env, AIRSTEP_WATCH_POLL_MS: '200' }, 'dev');
    let dev = startDev();
    const log = () => dev.stdout() + dev.stderr();
    const store = new LocalStore(join(dir, '.airstep'));
    const runs = async (dagId: string) => (await store.runs(dagId)).sort((a, b) => (a.runId < b.runId ? -1 : 1));
    const finished = (dagId: string, count: number) =>
      until(
        `${count} successful run(s) of ${dagId}`,
        async () => {
          const found = await runs(dagId);
          return found.filter((run) => run.state === 'success').length >= count ? found : undefined;
        },
        log,
      );
    const output = async (dagId: string, runId: string) => (await store.tasks(dagId, runId))[0]?.output;

    try {
      // The baseline is taken: dev wrote what it saw under the prefix.
      await until(
        'the baseline listing',
        async () => {
          const files = await readdir(join(dir, '.airstep', 'assets', 'watchers')).catch(() => []);
          return files.some((name) => name.endsWith('.json')) ? true : undefined;
        },
        log,
      );

      // Act 1: a new object under the prefix.
      await put('landing/new.jsonl', '{"id":1}\n');
      const [first] = await finished('watched_files', 1);
      expect(first!.runType).toBe('asset_triggered');
      expect(await output('watched_files', first!.runId)).toEqual({
        runType: 'asset_triggered',
        keys: [
          {
            watcher: 's3-object-created',
            bucket: 'watch-lake',
            key: 'landing/new.jsonl',
            size: 9,
            etag: expect.stringMatching(/^[0-9a-f]{32}$/),
            fromTask: null,
          },
        ],
      });

      // Act 2: the same content again (same ETag) and an object outside the prefix fire nothing; then a changed
      // object fires. Whatever the first two had fired would have been consumed by the next run at the latest.
      await put('landing/new.jsonl', '{"id":1}\n');
      await put('elsewhere/x.csv', 'x');
      await put('landing/old.csv', 'a,b\n3,4\n');
      const after = await finished('watched_files', 2);
      expect(after).toHaveLength(2);
      expect(await output('watched_files', after[1]!.runId)).toMatchObject({
        keys: [{ key: 'landing/old.csv', size: 8 }],
      });

      // Act 3: events put with `airstep assets emit`: one under the pattern's threshold, one over it.
      const emit = async (detail: Record<string, unknown>) => {
        const file = join(dir, `event-${String(detail.orderId)}.json`);
        await writeFile(
          file,
          JSON.stringify({ Source: 'shop.orders', DetailType: 'Order Placed', Detail: JSON.stringify(detail) }),
        );
        return runIn(dir, 'assets', 'emit', file, '--json');
      };
      const small = await emit({ orderId: 'O-1', total: 5 });
      expect(small.code).toBe(0);
      expect(JSON.parse(small.stdout)).toMatchObject({ ok: true, matched: [], recorded: [] });
      const big = await emit({ orderId: 'O-2', total: 500 });
      expect(JSON.parse(big.stdout)).toMatchObject({
        ok: true,
        matched: [{ uri: 'events://shop/large', watcher: 'order-placed' }],
      });
      const [orders] = await finished('watched_orders', 1);
      expect(await output('watched_orders', orders!.runId)).toEqual([
        { watcher: 'order-placed', orderId: 'O-2', source: 'shop.orders' },
      ]);

      // Act 4: an object that lands while no dev is running fires when the next dev starts (it resumes from the
      // saved listing instead of taking a new baseline), and nothing it had seen fires again.
      process.kill(-dev.pid, 'SIGINT');
      expect((await dev.exited).code).toBe(0);
      await put('landing/while-away.csv', 'c\n');
      dev = startDev();
      const resumed = await finished('watched_files', 3);
      expect(resumed).toHaveLength(3);
      expect(await output('watched_files', resumed[2]!.runId)).toMatchObject({
        keys: [{ key: 'landing/while-away.csv', size: 2 }],
      });
    } finally {
      process.kill(-dev.pid, 'SIGINT');
      expect((await dev.exited).code).toBe(0);
    }
  }, 300_000);
});

/** `airstep <args>` in `cwd`, run to its end. */
async function runIn(cwd: string, ...args: string[]) {
  const child = spawnCli(cwd, { ...emulator.env }, ...args);
  const { code } = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}
