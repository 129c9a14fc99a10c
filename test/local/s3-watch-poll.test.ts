import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetConditionIR } from '../../lib/compiler/asset-ir.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { LocalAssetEvents } from '../../lib/local/local-asset-events.ts';
import { S3WatchPoll } from '../../lib/local/s3-watch-poll.ts';

/**
 * `airstep dev`'s S3 watcher against moto's S3: the listing that says what was seen is saved only after the events
 * are recorded, so a pass whose recording fails fires the same objects at the next pass (and at the next dev's
 * start), never losing them.
 */
let emulator: RunningEmulator;
let s3: S3Client;
let root: string;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  emulator = await startEmulator('moto');
  // The watcher's S3 client reads the AWS configuration of the process, as `airstep dev`'s does.
  for (const [name, value] of Object.entries(emulator.env)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
  s3 = new S3Client({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'poll-lake' }));
  root = await mkdtemp(join(tmpdir(), 'airstep-s3-watch-poll-'));
}, 180_000);
afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await emulator?.stop();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

const condition: AssetConditionIR = {
  kind: 'asset',
  uri: 's3://poll-lake/in/',
  watchers: [{ kind: 's3ObjectCreated', name: 's3-object-created', bucket: 'poll-lake', prefix: 'in/' }],
};
const put = (key: string) => s3.send(new PutObjectCommand({ Bucket: 'poll-lake', Key: key, Body: key }));
const keysOf = (events: ReadonlyArray<{ readonly extra: Readonly<Record<string, unknown>> }>) =>
  events.map((event) => event.extra.key).sort();

describe('S3WatchPoll', () => {
  it('fires again at the next pass what a failed recording did not keep, and nothing twice after it kept it', async () => {
    const store = new LocalAssetEvents(root);
    const poll = () => new S3WatchPoll(store, root, () => [{ dagId: 'consumer', condition }]);
    const watcher = poll();
    await put('in/baseline.csv');
    expect(await watcher.pass(new Date())).toEqual([]); // the baseline fires nothing

    // A pass whose recording fails: a file stands where the events folder goes (a fault no user can rule out, and
    // one root's permissions do not bypass).
    await put('in/new.csv');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'assets', 'events'), 'not a folder');
    await expect(watcher.pass(new Date())).rejects.toThrow(/EEXIST|ENOTDIR/);
    await rm(join(root, 'assets', 'events'));

    // The next pass fires it; a dev started afresh (no memory, the saved listing) fires nothing more.
    expect(keysOf(await watcher.pass(new Date()))).toEqual(['in/new.csv']);
    expect(await watcher.pass(new Date())).toEqual([]);
    expect(await poll().pass(new Date())).toEqual([]);
    expect(keysOf(await store.events())).toEqual(['in/new.csv']);
  }, 240_000);
});
