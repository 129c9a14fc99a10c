import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { bundleDagFile } from '../../lib/dag-sync/bundle-dag-file.ts';
import { bundleKey, manifestKey } from '../../lib/runtime/dag-bundle.ts';
import type { Dag } from '../../lib/sdk/dag.ts';

/**
 * A DAG version's artifacts as dag-sync stores them under `artifacts/`: the DAG file's bundle and the compiled
 * manifest beside it, which is all a worker reads. Returns the compiled DAG.
 */
export async function storeDagVersion(s3: S3Client, bucket: string, file: string, dag: Dag, version: string) {
  const compiled = compileDag(dag);
  if (compiled.manifest === undefined) throw new Error(`${file}: does not compile`);
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: bundleKey(dag.id, version), Body: await bundleDagFile(file) }),
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: manifestKey(dag.id, version),
      Body: JSON.stringify(compiled.manifest),
    }),
  );
  return compiled;
}
