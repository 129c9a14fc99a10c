import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** The buckets the example DAGs read and write (their params' defaults). */
export const EXAMPLE_BUCKETS = {
  raw: 'airstep-raw',
  processed: 'airstep-processed',
  analytics: 'airstep-analytics',
} as const;

/**
 * Creates the example buckets (again is fine) and uploads the example raw files: every file under
 * `dags/_data/raw/` lands at `raw/<same path>` in the raw bucket, as the example DAGs expect. Returns the keys.
 */
export async function seedExampleBuckets(s3: S3Client, dataDir = join('dags', '_data', 'raw')): Promise<string[]> {
  for (const bucket of Object.values(EXAMPLE_BUCKETS)) {
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
    }
  }
  const keys: string[] = [];
  for (const file of await filesUnder(dataDir)) {
    const key = `raw/${relative(dataDir, file).split(sep).join('/')}`;
    await s3.send(new PutObjectCommand({ Bucket: EXAMPLE_BUCKETS.raw, Key: key, Body: await readFile(file) }));
    keys.push(key);
  }
  return keys.sort();
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)])),
  );
  return nested.flat();
}
