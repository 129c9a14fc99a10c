import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { assetCatalog } from '../assets/asset-catalog.ts';
import { type ConsumerBook, newConsumerBook } from '../assets/asset-queue.ts';
import { conditionAssets } from '../compiler/asset-ir.ts';
import type { DagManifest } from '../compiler/manifest.ts';
import { listLatestDagRecords } from '../dynamo/dag-record.ts';
import { assetEventsSince, listBooks } from '../runs/asset-event-store.ts';
import { readStoredManifest } from '../runtime/stored-manifest.ts';
import type { CloudStack } from './cloud-stack.ts';

/**
 * `airstep assets --stack`: the same catalog as the local one (lib/assets/asset-catalog.ts), from the deployed
 * stack — the live DAGs (their conditions from their records, their outlets from the manifests dag-sync stored),
 * the events the trigger recorded on the assets they name and each consumer's book. A consumer queues from when it was deployed with
 * assets, whether or not an event came since.
 */
export async function readCloudAssetCatalog(
  stack: CloudStack,
  clients: { readonly dynamo: DynamoDBClient; readonly s3: S3Client },
): Promise<{ catalog: ReturnType<typeof assetCatalog>; problems: string[] }> {
  const [records, storedBooks] = await Promise.all([
    listLatestDagRecords(clients.dynamo, stack.dagsTable),
    listBooks(clients.dynamo, stack.dagsTable),
  ]);
  const live = records.filter((record) => !record.disabled);
  const problems: string[] = [];
  const dags = await Promise.all(
    live.map(async (record): Promise<Pick<DagManifest, 'dagId' | 'tasks' | 'assets'>> => {
      const conditionOnly = { dagId: record.dagId, tasks: [], ...(record.assets ? { assets: record.assets } : {}) };
      if (stack.bucket === undefined) return conditionOnly;
      try {
        const manifest = await readStoredManifest(clients.s3, stack.bucket, record.dagId, record.dagVersion);
        if (manifest !== undefined) return manifest;
        problems.push(`no manifest stored for ${record.dagId}@${record.dagVersion}: its outlets are not shown`);
      } catch (error) {
        problems.push(`cannot read the manifest of ${record.dagId}@${record.dagVersion}: ${(error as Error).message}`);
      }
      return conditionOnly;
    }),
  );
  if (stack.bucket === undefined) problems.push(`${stack.source} has no BucketName output: outlets are not shown`);
  // The events of every asset a live DAG names (one Query each; the runs table is never scanned).
  const uris = new Set<string>();
  for (const dag of dags) {
    for (const task of dag.tasks) for (const outlet of task.outlets ?? []) uris.add(outlet.uri);
    if (dag.assets !== undefined) for (const named of conditionAssets(dag.assets)) uris.add(named.uri);
  }
  const events = (
    await Promise.all([...uris].map((uri) => assetEventsSince(clients.dynamo, stack.runsTable, uri, '')))
  ).flat();
  const books = new Map<string, ConsumerBook>();
  for (const record of live) {
    if (record.assets === undefined) continue;
    const since = record.assetsSince ?? record.updatedAt;
    const book = storedBooks.get(record.dagId);
    // A book made for an earlier start of consuming is not this one's (the trigger starts a new one too).
    books.set(
      record.dagId,
      book !== undefined && book.assetsSince === since ? book.book : newConsumerBook(record.dagId, new Date(since)),
    );
  }
  return { catalog: assetCatalog(dags, events, books), problems };
}
