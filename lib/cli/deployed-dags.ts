import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { describeCondition } from '../compiler/asset-ir.ts';
import type { DagManifest } from '../compiler/manifest.ts';
import { type DagRecord, listLatestDagRecords } from '../dynamo/dag-record.ts';
import { type ImportErrorRecord, listImportErrors } from '../dynamo/import-error-records.ts';
import { listRuns } from '../runs/run-history.ts';
import { readStoredManifest } from '../runtime/stored-manifest.ts';
import type { ParamSpec } from '../sdk/params.ts';
import type { CloudStack } from './cloud-stack.ts';
import { type DagOutline, outlineOfManifest } from './dag-outline.ts';
import { nextRunOf } from './next-run.ts';

/** A deployed DAG as `airstep list --stack --json` prints it and `airstep ui --stack` shows it. */
export interface DeployedDag {
  readonly dagId: string;
  readonly file: string;
  readonly schedule: string | null;
  readonly timezone: string;
  /** The asset condition it runs on (`(a & b) | c`), besides `schedule` when it has one too. */
  readonly assets?: string;
  readonly version: string;
  readonly disabled: boolean;
  readonly paused: boolean;
  readonly pausedAt?: string;
  /** Schedule fires the trigger skipped while paused (counted since the DAG was last paused). */
  readonly pausedFires?: { readonly count: number; readonly lastScheduledTime: string };
  readonly lastRun: { readonly runId: string; readonly state: string } | null;
  readonly nextRun: { readonly logicalDate: string; readonly runAfter: string } | null;
  readonly updatedAt: string;
  /** What a trigger's conf may set. */
  readonly params: Readonly<Record<string, ParamSpec>>;
  readonly tags: readonly string[];
  readonly owner?: string;
  readonly description?: string;
  readonly doc?: string;
  /** The live version's tasks and groups, from the manifest dag-sync stored beside its bundle. */
  readonly graph: DagOutline;
  /** Why `graph` is empty for a DAG that has tasks: its manifest could not be read. */
  readonly graphProblem?: string;
}

/**
 * The deployed DAGs (the LATEST record of each in the dags table), each with its newest run (one Query of the runs
 * table per DAG) and its live version's outline (the stored manifest in the stack's bucket, read once per version
 * per process: a version's manifest never changes), and the import errors dag-sync recorded.
 */
export async function readDeployedDags(
  stack: CloudStack,
  clients: { readonly dynamo: DynamoDBClient; readonly s3: S3Client },
  now: Date,
): Promise<{ dags: DeployedDag[]; importErrors: ImportErrorRecord[] }> {
  const [records, importErrors] = await Promise.all([
    listLatestDagRecords(clients.dynamo, stack.dagsTable),
    listImportErrors(clients.dynamo, stack.importErrorsTable),
  ]);
  const dags = await Promise.all(
    records.map(async (record) => {
      const [lastRun, manifest] = await Promise.all([
        listRuns(clients.dynamo, stack.runsTable, record.dagId).then((runs) => runs[0]),
        manifestOf(stack, clients.s3, record),
      ]);
      return deployedDag(record, lastRun, manifest, now);
    }),
  );
  return { dags, importErrors };
}

function deployedDag(
  record: DagRecord,
  lastRun: { runId: string; state: string } | undefined,
  manifest: DagManifest | { problem: string },
  now: Date,
): DeployedDag {
  const read = 'problem' in manifest ? undefined : manifest;
  return {
    dagId: record.dagId,
    file: record.file,
    schedule: record.schedule.expression,
    timezone: record.schedule.timezone,
    ...(record.assets !== undefined ? { assets: describeCondition(record.assets) } : {}),
    version: record.dagVersion,
    disabled: record.disabled,
    paused: record.pausedAt !== undefined,
    ...(record.pausedAt !== undefined ? { pausedAt: record.pausedAt } : {}),
    ...(record.pausedFires !== undefined ? { pausedFires: record.pausedFires } : {}),
    lastRun: lastRun !== undefined ? { runId: lastRun.runId, state: lastRun.state } : null,
    nextRun: record.disabled || record.pausedAt !== undefined ? null : nextRunOf(record.schedule, now),
    updatedAt: record.updatedAt,
    params: record.params,
    tags: read?.tags ?? [],
    ...(read?.owner !== undefined ? { owner: read.owner } : {}),
    ...(read?.description !== undefined ? { description: read.description } : {}),
    ...(read?.doc !== undefined ? { doc: read.doc } : {}),
    graph: read !== undefined ? outlineOfManifest(read) : { tasks: [], groups: [] },
    ...('problem' in manifest ? { graphProblem: manifest.problem } : {}),
  };
}

/** The live version's manifest, or why it cannot be read (a stack without the bucket output, a version without one). */
async function manifestOf(
  stack: CloudStack,
  s3: S3Client,
  record: DagRecord,
): Promise<DagManifest | { problem: string }> {
  const version = `${record.dagId}@${record.dagVersion}`;
  if (stack.bucket === undefined) return { problem: `${stack.source} has no BucketName output (cdk deploy again)` };
  try {
    const manifest = await readStoredManifest(s3, stack.bucket, record.dagId, record.dagVersion);
    return manifest ?? { problem: `no manifest stored for ${version} in s3://${stack.bucket}` };
  } catch (error) {
    return { problem: `cannot read the manifest of ${version}: ${(error as Error).message}` };
  }
}
