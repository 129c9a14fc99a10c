import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { manifestKey } from '../../lib/runtime/dag-bundle.ts';
import { readStoredManifest } from '../../lib/runtime/stored-manifest.ts';

/** The one reader of stored manifests (the worker's and the recorder's), on moto's S3. */
let moto: RunningEmulator;
let s3: S3Client;
const bucket = 'manifests';
beforeAll(async () => {
  moto = await startEmulator('moto');
  s3 = new S3Client({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await moto?.stop();
});

const store = (dagId: string, version: string, maxActiveTasks: number) =>
  s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: manifestKey(dagId, version),
      Body: JSON.stringify({ dagId, maxActiveTasks, tasks: [] }),
    }),
  );

describe('Function: readStoredManifest', () => {
  it('reads a version once: a second read is served from the first (a stored version never changes)', async () => {
    await store('kept', 'v1', 4);
    expect((await readStoredManifest(s3, bucket, 'kept', 'v1'))?.maxActiveTasks).toBe(4);
    // Gone from S3, still known: proof that the second read did not go to S3.
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: manifestKey('kept', 'v1') }));
    expect((await readStoredManifest(s3, bucket, 'kept', 'v1'))?.maxActiveTasks).toBe(4);
  });

  it('answers undefined for a version without a manifest, and asks again next time', async () => {
    expect(await readStoredManifest(s3, bucket, 'late', 'v1')).toBeUndefined();
    await store('late', 'v1', 7);
    expect((await readStoredManifest(s3, bucket, 'late', 'v1'))?.maxActiveTasks).toBe(7);
  });

  it('keeps versions apart, and buckets apart', async () => {
    await store('two', 'v1', 1);
    await store('two', 'v2', 2);
    expect((await readStoredManifest(s3, bucket, 'two', 'v1'))?.maxActiveTasks).toBe(1);
    expect((await readStoredManifest(s3, bucket, 'two', 'v2'))?.maxActiveTasks).toBe(2);
    await expect(readStoredManifest(s3, 'no-such-bucket', 'two', 'v1')).rejects.toThrow();
  });
});
