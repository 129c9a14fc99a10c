import { createHash, randomUUID } from 'node:crypto';
import { DeleteItemCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { PlaceholderValues } from '../compiler/fill-placeholders.ts';
import { MANIFEST_VERSION } from '../compiler/manifest.ts';
import { unlistedRunAsRoles } from '../compiler/role-arn.ts';
import { type DagRecord, listLatestDagRecords, readDagRecord, writeDagRecord } from '../dynamo/dag-record.ts';
import { withLease } from '../dynamo/item-lease.ts';
import { bundleKey, manifestKey } from '../runtime/dag-bundle.ts';
import { formatProblem } from '../sdk/errors.ts';
import { assetConsumerFields } from './asset-consumer-fields.ts';
import { type CatchupOutcome, catchUp } from './catch-up.ts';
import { pausedCatchup } from './catchup-runs.ts';
import { checkCompiledDags } from './check-compiled-dag.ts';
import { deployDagMachines } from './child-machines-deploy.ts';
import { type ContainerTaskSettings, registerContainerTaskDefinitions } from './container-task-definitions.ts';
import { type DagAlarmSettings, syncDagAlarms } from './dag-alarms.ts';
import type { DagFileChange } from './dag-file-change.ts';
import { fileLease, isNewestFileEvent, takeFileEvent } from './dag-file-events.ts';
import { refusedImports } from './dag-file-imports.ts';
import { disableSchedules, setSchedules, setSchedulesState } from './dag-schedules.ts';
import type { DagEvaluator } from './evaluator-client.ts';
import { stripTypes } from './strip-types.ts';
import type { RunTrigger } from './trigger-client.ts';
import { syncWatcherRules, type WatcherRuleSettings, watcherRules } from './watcher-rules.ts';

export interface DagSyncDeps {
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  readonly dynamo: DynamoDBClient;
  readonly scheduler: SchedulerClient;
  readonly tables: { readonly dags: string; readonly importErrors: string };
  readonly namePrefix: string;
  readonly stateMachineRoleArn: string;
  readonly placeholders: Omit<PlaceholderValues, 'dagVersion'>;
  readonly schedules: { readonly group: string; readonly roleArn: string; readonly triggerArn: string };
  /** Where DAG code runs: the evaluator Lambda (evaluator-client.ts), never dag-sync's own process. */
  readonly evaluate: DagEvaluator;
  /** Where state machines log (CloudWatch Logs) and how much; without it they do not log. */
  readonly stateMachineLogs?: { readonly logGroupArn: string; readonly level: 'ALL' | 'ERROR' | 'FATAL' };
  /** How long a sync holds its file, and how long it waits for another's hold (see leaseFile). */
  readonly lease?: { readonly seconds: number; readonly waitMs: number };
  /** Roles and logs for the task definitions of `container` tasks; without them such DAGs are refused. */
  readonly containers?: ContainerTaskSettings;
  /** The IAM roles the stack's workers may assume (`runAs`); a DAG naming another is refused. @default [] */
  readonly assumableRoleArns?: readonly string[];
  /** The IAM actions `awsSdk` steps may call (the construct's awsSdkPermissions); a DAG needing another is refused. @default [] */
  readonly awsSdkActions?: readonly string[];
  /** The roles `awsSdk` steps may hand a service (the construct's passableRoleArns); a step naming another is refused. @default [] */
  readonly passableRoleArns?: readonly string[];
  /**
   * Where the scheduled runs a deployment owes go (catchup, see catch-up.ts): the trigger Lambda
   * (trigger-client.ts). Without it no catchup run is started.
   */
  readonly trigger?: RunTrigger;
  /** Intervals one sync hands the trigger per DAG. @default CATCHUP_LIMIT_PER_SYNC (500) */
  readonly catchupLimit?: number;
  /** Where a DAG's own alarms (its `alarms` option) are made; without it a DAG asking for them is refused. */
  readonly alarms?: DagAlarmSettings;
  /** Where the rules of its watched assets are made (watcher-rules.ts); without it a DAG with watchers is refused. */
  readonly watcherRules?: WatcherRuleSettings;
  readonly now?: () => Date;
}

export type SyncResult =
  | {
      readonly file: string;
      readonly outcome: 'deployed' | 'unchanged';
      readonly dags: string[];
      readonly errors: string[];
      /** The DAGs whose owed scheduled runs this sync handed to the trigger (catchup). */
      readonly catchup?: CatchupOutcome[];
    }
  | { readonly file: string; readonly outcome: 'import-error'; readonly errors: string[] }
  | { readonly file: string; readonly outcome: 'disabled'; readonly dags: string[] }
  /** An event older than one already taken for the file (or about a version that is gone): nothing done. */
  | { readonly file: string; readonly outcome: 'stale'; readonly dags: string[] };

/**
 * Makes one DAG file live: checks its imports, has it evaluated and compiled by the evaluator (a Lambda whose role
 * may only write its logs), checks what that claims, stores the
 * bundle under `artifacts/<dag>/<version>/`, creates or updates the state machine (a new published version behind
 * the `live` alias, so running executions finish on theirs), sets its schedules, records the DAG and hands the
 * trigger the scheduled runs the deployment owes (catchup, see catch-up.ts). A file that
 * fails is recorded as an import error and leaves every other DAG — and its own last good version — untouched.
 * The same content again (a redelivered event) changes nothing. One sync at a time holds the file (a lease on
 * its item), so two Lambdas never deploy it at once.
 */
export async function syncDagFile(change: DagFileChange, deps: DagSyncDeps): Promise<SyncResult> {
  const lease = fileLease(deps.dynamo, deps.tables.dags, change.key, {
    holder: randomUUID(),
    seconds: deps.lease?.seconds ?? DEFAULT_LEASE.seconds,
    waitMs: deps.lease?.waitMs ?? DEFAULT_LEASE.waitMs,
  });
  return withLease(lease, () => syncLeasedFile(change, deps));
}

/** The dag-sync Lambda's timeout (a holder that died frees the file then); a busy file is waited for a minute. */
const DEFAULT_LEASE = { seconds: 300, waitMs: 60_000 };

async function syncLeasedFile(change: DagFileChange, deps: DagSyncDeps): Promise<SyncResult> {
  const stale: SyncResult = { file: change.key, outcome: 'stale', dags: [] };
  if (change.sequencer !== undefined) {
    if (!(await takeFileEvent(deps.dynamo, deps.tables.dags, change.key, change.sequencer))) return stale;
  }
  if (change.kind === 'removed') return disableDagsOf(change.key, [], deps);
  const source = await readDagFile(change, deps);
  if (source === undefined) return stale;
  const refused = refusedImports(source);
  if (refused.length > 0) return importError(change.key, refused, deps);
  // The manifest's format is part of a version: after an upgrade that changes what workers read beside the bundle,
  // the next sync of an unchanged file deploys it again instead of keeping artifacts the new workers cannot read.
  const version = createHash('sha256')
    .update(`manifest-${MANIFEST_VERSION}\n`)
    .update(source)
    .digest('hex')
    .slice(0, 16);

  let javascript: string;
  try {
    javascript = await stripTypes(source, change.key);
  } catch (error) {
    return importError(change.key, [`cannot read it as TypeScript: ${(error as Error).message.split('\n')[0]}`], deps);
  }
  const evaluation = await deps.evaluate({ file: change.key, source: javascript });
  if (!evaluation.ok) return importError(change.key, [evaluation.error], deps);
  // DAG code ran where the answer was made: nothing of a file deploys unless all it claims is what Airstep compiles.
  const forged = checkCompiledDags(evaluation.dags, {
    queueUrls: [deps.placeholders.controlQueueUrl, ...Object.values(deps.placeholders.taskQueueUrls)],
    awsSdkActions: deps.awsSdkActions ?? [],
    passableRoleArns: deps.passableRoleArns ?? [],
    ...(deps.placeholders.ecsClusterArn !== undefined ? { ecsClusterArn: deps.placeholders.ecsClusterArn } : {}),
    ...(deps.placeholders.workerTaskDefinition !== undefined
      ? { workerTaskDefinition: deps.placeholders.workerTaskDefinition }
      : {}),
  });
  if (forged.length > 0) return importError(change.key, forged, deps);
  // Evaluating takes seconds: a newer event for the file may have been taken meanwhile, and it deploys.
  if (
    change.sequencer !== undefined &&
    !(await isNewestFileEvent(deps.dynamo, deps.tables.dags, change.key, change.sequencer))
  ) {
    return stale;
  }

  const deployed: string[] = [];
  const errors: string[] = [];
  const caughtUp: CatchupOutcome[] = [];
  let changed = false;
  for (const compiled of evaluation.dags) {
    if (compiled.problems.length > 0 || compiled.asl === undefined) {
      errors.push(...compiled.problems.map((problem) => formatProblem({ ...problem, file: change.key })));
      continue;
    }
    const current = await readDagRecord(deps.dynamo, deps.tables.dags, compiled.dagId);
    if (current !== undefined && current.file !== change.key && !current.disabled) {
      errors.push(`${change.key} › dag ${compiled.dagId} › id: DAG id already used in ${current.file}`);
      continue;
    }
    const containers = compiled.manifest?.compute.containers ?? [];
    if (containers.length > 0 && deps.containers === undefined) {
      errors.push(
        ...containers.map(
          (container) =>
            `${change.key} › dag ${compiled.dagId} › task ${container.taskKey} › image: this stack cannot run container images (no container task settings)`,
        ),
      );
      continue;
    }
    // A role the workers may not assume would fail every try of the task: refuse it before anything is deployed.
    const unlisted = unlistedRunAsRoles(compiled.manifest?.tasks ?? [], deps.assumableRoleArns ?? []);
    if (unlisted.length > 0) {
      errors.push(
        ...unlisted.map(
          ({ taskId, runAs }) =>
            `${change.key} › dag ${compiled.dagId} › task ${taskId} › runAs: this stack's workers may not assume ${runAs} (list it in the Airstep construct's assumableRoleArns)`,
        ),
      );
      continue;
    }
    if ((compiled.ir.alarms ?? []).length > 0 && deps.alarms === undefined) {
      errors.push(
        `${change.key} › dag ${compiled.dagId} › alarms: this stack's dag-sync cannot make CloudWatch alarms (no alerts topic)`,
      );
      continue;
    }
    if (deps.watcherRules === undefined && watcherRules('-', compiled.dagId, compiled.ir.assets).length > 0) {
      errors.push(
        `${change.key} › dag ${compiled.dagId} › schedule: this stack's dag-sync cannot make EventBridge rules for asset watchers`,
      );
      continue;
    }
    deployed.push(compiled.dagId);
    if (current?.dagVersion === version && !current.disabled) {
      // The same content again: a sync that stopped midway (or at its limit) still owes runs.
      const outcome = await catchUpDag(current, current, deps);
      if (outcome !== undefined) caughtUp.push(outcome);
      continue;
    }
    changed = true;
    await deps.s3.send(
      new PutObjectCommand({ Bucket: change.bucket, Key: bundleKey(compiled.dagId, version), Body: javascript }),
    );
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: change.bucket,
        Key: manifestKey(compiled.dagId, version),
        Body: JSON.stringify(compiled.manifest),
        ContentType: 'application/json',
      }),
    );
    const containerTaskDefinitions = await registerContainerTaskDefinitions(
      compiled.dagId,
      containers,
      { namePrefix: deps.namePrefix },
      deps.containers,
    );
    const values = {
      ...deps.placeholders,
      dagVersion: version,
      containerTaskDefinitions,
      // The DAGs' bucket is the stack's bucket, where workers keep XCom (AIRSTEP_BUCKET).
      xcomBucket: change.bucket,
    };
    const { stateMachineArn, aliasArn, childMachines } = await deployDagMachines(
      `${deps.namePrefix}-${compiled.dagId}`,
      { asl: compiled.asl, ...(compiled.children !== undefined ? { children: compiled.children } : {}) },
      values,
      version,
      current?.childMachines ?? [],
      deps,
    );
    await keepPauseOnSchedules(compiled.dagId, compiled.ir.schedule, current?.pausedAt !== undefined, deps);
    if (deps.alarms !== undefined) await syncDagAlarms(compiled.dagId, compiled.ir.alarms ?? [], deps.alarms);
    if (deps.watcherRules !== undefined) await syncWatcherRules(compiled.dagId, compiled.ir.assets, deps.watcherRules);
    const taskIds = Object.fromEntries(
      compiled.ir.tasks.filter((task) => task.key !== task.id).map((task) => [task.key, task.id]),
    );
    const record: DagRecord = {
      dagId: compiled.dagId,
      dagVersion: version,
      file: change.key,
      aliasArn,
      stateMachineArn,
      schedule: compiled.ir.schedule,
      params: compiled.ir.params,
      maxActiveRuns: compiled.ir.maxActiveRuns,
      ...(compiled.ir.deadline !== undefined ? { deadline: compiled.ir.deadline } : {}),
      ...assetConsumerFields(compiled.ir.assets, current, deps.now?.() ?? new Date()),
      ...(Object.keys(taskIds).length > 0 ? { taskIds } : {}),
      ...(childMachines.length > 0 ? { childMachines } : {}),
      disabled: false,
      updatedAt: (deps.now?.() ?? new Date()).toISOString(),
      ...(current?.catchup !== undefined ? { catchup: current.catchup } : {}),
    };
    // Records the DAG (the trigger reads it), then hands over the runs it owes.
    const outcome = await catchUpDag(record, current, deps);
    if (outcome !== undefined) caughtUp.push(outcome);
  }
  // A DAG the file no longer defines at all goes, as if its own file was deleted (one that fails to compile
  // stays live on its last good version, with the import error recorded).
  const gone = await disableDagsOf(
    change.key,
    evaluation.dags.map((compiled) => compiled.dagId),
    deps,
    false,
  );
  if (errors.length > 0) await recordImportError(change.key, errors, deps);
  else
    await deps.dynamo.send(
      new DeleteItemCommand({ TableName: deps.tables.importErrors, Key: { file: { S: change.key } } }),
    );
  if (deployed.length === 0) return { file: change.key, outcome: 'import-error', errors };
  return {
    file: change.key,
    outcome: changed || gone.dags.length > 0 ? 'deployed' : 'unchanged',
    dags: deployed,
    errors,
    ...(caughtUp.length > 0 ? { catchup: caughtUp } : {}),
  };
}

/** `catchUp` with dag-sync's dependencies; without a trigger the record is written and nothing is started. */
async function catchUpDag(
  record: DagRecord,
  previous: DagRecord | undefined,
  deps: DagSyncDeps,
): Promise<CatchupOutcome | undefined> {
  // A paused DAG creates no runs: its mark stays where the pause left it, and `airstep unpause` hands over what
  // is owed then (as Airflow's scheduler does when a DAG is unpaused).
  if (deps.trigger === undefined || previous?.pausedAt !== undefined) {
    if (record !== previous) await writeDagRecord(deps.dynamo, deps.tables.dags, record);
    return undefined;
  }
  return catchUp(record, previous, {
    dynamo: deps.dynamo,
    table: deps.tables.dags,
    trigger: deps.trigger,
    now: deps.now?.() ?? new Date(),
    ...(deps.catchupLimit !== undefined ? { limit: deps.catchupLimit } : {}),
  });
}

/** The file's text at the event's version; undefined when that version (or the file) no longer exists. */
async function readDagFile(change: DagFileChange, deps: DagSyncDeps): Promise<string | undefined> {
  try {
    const object = await deps.s3.send(
      new GetObjectCommand({
        Bucket: change.bucket,
        Key: change.key,
        ...(change.versionId !== undefined ? { VersionId: change.versionId } : {}),
      }),
    );
    return await object.Body!.transformToString('utf-8');
  } catch (error) {
    // Deleted since the event was sent: the deletion's own event disables its DAGs.
    if (['NoSuchKey', 'NoSuchVersion', 'NotFound'].includes((error as Error).name)) return undefined;
    throw error;
  }
}

async function importError(file: string, errors: string[], deps: DagSyncDeps): Promise<SyncResult> {
  const located = errors.map((error) => `${file} › ${error}`);
  await recordImportError(file, located, deps);
  return { file, outcome: 'import-error', errors: located };
}

async function recordImportError(file: string, errors: string[], deps: DagSyncDeps): Promise<void> {
  await deps.dynamo.send(
    new PutItemCommand({
      TableName: deps.tables.importErrors,
      Item: {
        file: { S: file },
        errors: { S: JSON.stringify(errors) },
        at: { S: (deps.now?.() ?? new Date()).toISOString() },
      },
    }),
  );
}

/**
 * Disables the DAGs recorded for `file` other than `keep`: the record says so (triggers are refused) and their
 * schedules are disabled (a new upload enables them again). For a deleted file (`keep` empty) its import error
 * goes too.
 */
async function disableDagsOf(
  file: string,
  keep: readonly string[],
  deps: DagSyncDeps,
  fileDeleted = true,
): Promise<{ file: string; outcome: 'disabled'; dags: string[] }> {
  const disabled: string[] = [];
  for (const record of await listLatestDagRecords(deps.dynamo, deps.tables.dags)) {
    if (record.file !== file || record.disabled || keep.includes(record.dagId)) continue;
    await disableSchedules(record.dagId, deps);
    // A DAG that went away alarms no more (an upload that brings it back makes what it asks for again).
    if (deps.alarms !== undefined) await syncDagAlarms(record.dagId, [], deps.alarms);
    // Nor do its watched assets' events reach the trigger for it.
    if (deps.watcherRules !== undefined) await syncWatcherRules(record.dagId, undefined, deps.watcherRules);
    const now = deps.now?.() ?? new Date();
    // Its schedules stop: what ended by now counts as handed over, so an upload that brings it back owes only
    // what was missed meanwhile.
    const catchup = pausedCatchup(record.schedule, record.catchup, now);
    await writeDagRecord(deps.dynamo, deps.tables.dags, {
      ...record,
      disabled: true,
      updatedAt: now.toISOString(),
      ...(catchup !== undefined ? { catchup } : {}),
    });
    disabled.push(record.dagId);
  }
  if (fileDeleted) {
    await deps.dynamo.send(new DeleteItemCommand({ TableName: deps.tables.importErrors, Key: { file: { S: file } } }));
  }
  return { file, outcome: 'disabled', dags: disabled.sort() };
}

/**
 * Sets the DAG's schedules, DISABLED while it is paused, so an upload never resumes a paused DAG. A pause or
 * unpause may land between the record read and this write: the mark is read again after, and the schedules
 * follow it (the pause command marks the record before it changes schedules, so one of the two sees the other).
 */
async function keepPauseOnSchedules(
  dagId: string,
  spec: DagRecord['schedule'],
  paused: boolean,
  deps: DagSyncDeps,
): Promise<void> {
  await setSchedules(dagId, spec, deps, paused ? 'DISABLED' : 'ENABLED');
  const now = (await readDagRecord(deps.dynamo, deps.tables.dags, dagId))?.pausedAt !== undefined;
  if (now !== paused) await setSchedulesState(dagId, now ? 'DISABLED' : 'ENABLED', deps);
}
