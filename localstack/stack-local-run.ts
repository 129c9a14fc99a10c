import { basename, relative, resolve } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { dagFilesUnder, loadDagFile } from '../lib/cli/load-dags.ts';
import { bundleDagFile } from '../lib/dag-sync/bundle-dag-file.ts';
import { listLatestDagRecords } from '../lib/dynamo/dag-record.ts';
import { listImportErrors } from '../lib/dynamo/import-error-records.ts';
import { EXAMPLE_BUCKETS, seedExampleBuckets } from '../lib/local/example-buckets.ts';
import { DeployedStack, type Deployment, type HandlerName, StackLocalError } from './deployed-stack.ts';

/** The DAG `stack:local` triggers once every DAG is registered. */
export const MAIN_DAG = 's3_medallion_ingestion';

export interface StackLocalSummary {
  readonly emulator: string;
  readonly deployment: Omit<Deployment, 'seconds'> & { readonly seconds: number };
  readonly handlers: Record<HandlerName, 'lambda' | 'not invoked'>;
  /** How an ECS RunTask of the Fargate worker is carried out here (MiniStack's ECS runs no containers). */
  readonly fargateWorker: string;
  readonly dagsRegistered: string[];
  readonly importErrors: string[];
  readonly uploadToRunnableSeconds: { readonly max: number; readonly perDag: number };
  readonly run: {
    readonly dagId: string;
    readonly runId: string;
    readonly state: string;
    readonly tasks: Array<{ key: string; state: string; try?: number }>;
  };
  readonly triggerToEndSeconds: number;
  readonly outputs: string[];
}

const round = (value: number) => Math.round(value * 100) / 100;

/**
 * `npm run stack:local`, as a function the end-to-end tests call too: deploys the stack to MiniStack with `cdk
 * deploy` (deployed-stack.ts), seeds the example data buckets, uploads every DAG file under `dags/` bundled as
 * `airstep sync` bundles it (and `extra` files the same way, under `dags/extra/`), waits until the dag-sync Lambda
 * has registered every DAG and recorded an outcome for every file, triggers the medallion DAG through the trigger
 * Lambda, waits until the recorder Lambda has recorded its end, and sums it up. The stack is left running for
 * the caller to use and stop.
 */
export async function runStackLocal(
  options: { readonly extra?: readonly string[]; readonly log?: (line: string) => void } = {},
): Promise<{ stack: DeployedStack; summary: StackLocalSummary }> {
  const say = options.log ?? (() => {});
  const stack = await DeployedStack.deploy(say);
  try {
    say(
      `deployed with cdk deploy in ${round(stack.deployment.seconds)} s: ${stack.deployment.resources} of ${stack.deployment.templateResources} resources`,
    );
    await seedExampleBuckets(stack.s3);
    const files = await dagFilesUnder('dags');
    const expected = new Set<string>();
    /** The S3 key each expected DAG's file is uploaded under. */
    const fileOf = new Map<string, string>();
    let mainTasks: string[] = [];
    const bundles: Array<{ key: string; body: string }> = [];
    for (const file of files) {
      const key = `dags/${relative(resolve('dags'), resolve(file)).replace(/\.[^./]+$/, '')}.mjs`;
      const dags = (await loadDagFile(file)).dags;
      for (const dag of dags) {
        expected.add(dag.id);
        fileOf.set(dag.id, key);
        if (dag.id === MAIN_DAG) mainTasks = [...dag.declared.tasks.keys()];
      }
      bundles.push({ key, body: await bundleDagFile(file) });
    }
    for (const file of options.extra ?? []) {
      bundles.push({
        key: `dags/extra/${basename(file).replace(/\.[^.]+$/, '')}.mjs`,
        body: await bundleDagFile(file),
      });
    }
    const uploadedAt = Date.now();
    for (const { key, body } of bundles) await stack.upload(key, body);
    say(`uploaded ${bundles.length} DAG files (${expected.size} DAGs) to s3://${stack.bucket}/dags/`);

    // Registered: every expected DAG live, and every file either deployed or recorded as an import error.
    const keys = new Set(bundles.map((bundle) => bundle.key));
    let records: Awaited<ReturnType<typeof listLatestDagRecords>> = [];
    let importErrors: Awaited<ReturnType<typeof listImportErrors>> = [];
    // A dag-sync batch that fails comes back after the queue's visibility timeout (5.5 min): wait past one.
    const limitSeconds = 420;
    const deadline = Date.now() + limitSeconds * 1000;
    for (;;) {
      records = (await listLatestDagRecords(stack.dynamo, stack.tables.dags)).filter((record) => !record.disabled);
      importErrors = await listImportErrors(stack.dynamo, stack.tables.importErrors);
      const settled = new Set([...records.map((record) => record.file), ...importErrors.map((error) => error.file)]);
      const live = new Set(records.map((record) => record.dagId));
      const missing = [...expected].filter((dagId) => !live.has(dagId));
      if (missing.length === 0 && [...keys].every((key) => settled.has(key))) break;
      // dag-sync records a file's import error after deploying its good DAGs: a DAG still missing from a file
      // with an import error failed to load, and will not load by waiting.
      const failed = missing.filter((dagId) => importErrors.some((error) => error.file === fileOf.get(dagId)));
      if (failed.length > 0 || Date.now() > deadline)
        throw new StackLocalError(
          `dag-sync registered ${live.size} of ${expected.size} DAGs${failed.length > 0 ? '' : ` within ${limitSeconds} s`} (missing: ${missing.join(', ')}; import errors: ${JSON.stringify(importErrors)}); dag-sync's log ends:\n${await stack.logTail('dagSync')}`,
        );
      await new Promise((done) => setTimeout(done, 500));
    }
    // dag-sync stamps each DAG record when it writes it: the last of them is when every DAG was runnable.
    const registered = records.filter((record) => expected.has(record.dagId));
    const uploadToRunnable = Math.max(...registered.map((record) => Date.parse(record.updatedAt) - uploadedAt)) / 1000;
    say(`registered ${registered.length} of ${expected.size} DAGs; import errors: ${importErrors.length}`);

    const triggeredAt = Date.now();
    const triggered = await stack.trigger({ kind: 'manual', dagId: MAIN_DAG });
    if (triggered.outcome !== 'started') throw new StackLocalError(`trigger: ${JSON.stringify(triggered)}`);
    say(`triggered ${MAIN_DAG}: ${triggered.runId}`);
    const ended = await stack.runEnded(MAIN_DAG, triggered.runId, mainTasks);
    const triggerToEnd = (Date.now() - triggeredAt) / 1000;
    // The run's own outputs, under its `ds`: the scheduled run dag-sync started at registration (the latest
    // ended interval, catchup off) writes under its own.
    const ds = `/ds=${triggered.runId.slice('manual__'.length, 'manual__'.length + 10)}/`;
    const outputs: string[] = [];
    for (const target of [EXAMPLE_BUCKETS.processed, EXAMPLE_BUCKETS.analytics]) {
      const listed = await stack.s3.send(new ListObjectsV2Command({ Bucket: target }));
      outputs.push(
        ...(listed.Contents ?? [])
          .filter((object) => object.Key!.includes(ds))
          .map((object) => `s3://${target}/${object.Key}`),
      );
    }
    const summary: StackLocalSummary = {
      emulator: 'MiniStack 1.5.33 (the synthesized template, cdk deploy; every handler an emulator Lambda)',
      deployment: { ...stack.deployment, seconds: round(stack.deployment.seconds) },
      handlers: await stack.handlers(),
      fargateWorker:
        'host process: lambdas/fargate-worker/main.ts with the RunTask container environment (stands in for ECS)',
      dagsRegistered: registered.map((record) => record.dagId).sort(),
      importErrors: importErrors.flatMap((error) => error.errors),
      uploadToRunnableSeconds: {
        max: round(uploadToRunnable),
        perDag: round(uploadToRunnable / Math.max(1, registered.length)),
      },
      run: {
        dagId: MAIN_DAG,
        runId: triggered.runId,
        state: ended?.run.state ?? 'unknown',
        tasks: (ended?.tasks ?? [])
          .filter((task) => task.mapIndex === -1)
          .map((task) => ({
            key: task.taskId,
            state: task.state,
            ...(task.tries !== undefined ? { try: task.tries } : {}),
          })),
      },
      triggerToEndSeconds: round(triggerToEnd),
      outputs,
    };
    return { stack, summary };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}
