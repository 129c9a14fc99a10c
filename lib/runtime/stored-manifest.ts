import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DagManifest } from '../compiler/manifest.ts';
import { manifestKey } from './dag-bundle.ts';

/**
 * The compiled manifest dag-sync stored for a DAG version (`artifacts/<dag>/<version>/manifest.json`), read once
 * per container: a version's manifest never changes once written, and the worker (every try) and the recorder
 * (every ended run) both need it. Undefined when the version has none (a run recorded without one); that answer
 * and any error are not kept, so a later call asks S3 again.
 */
export async function readStoredManifest(
  s3: S3Client,
  bucket: string,
  dagId: string,
  dagVersion: string,
): Promise<DagManifest | undefined> {
  const key = `${bucket}/${manifestKey(dagId, dagVersion)}`;
  let read = manifests.get(key);
  if (read === undefined) {
    read = fetchManifest(s3, bucket, dagId, dagVersion);
    manifests.set(key, read);
    if (manifests.size > MAX_KEPT) manifests.delete(manifests.keys().next().value!);
    read.then(
      (manifest) => manifest === undefined && manifests.delete(key),
      () => manifests.delete(key),
    );
  }
  return read;
}

/** Versions a container keeps (the oldest read goes first): far more than the DAG versions one container sees. */
const MAX_KEPT = 200;
const manifests = new Map<string, Promise<DagManifest | undefined>>();

async function fetchManifest(
  s3: S3Client,
  bucket: string,
  dagId: string,
  dagVersion: string,
): Promise<DagManifest | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: manifestKey(dagId, dagVersion) }));
    return JSON.parse(await object.Body!.transformToString('utf-8')) as DagManifest;
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}
