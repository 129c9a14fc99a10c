/**
 * `npm run stack:local [-- --json] [-- --extra <path>]`: the cloud stack on MiniStack end to end (see
 * local-stack.ts for what runs where): upload `dags/` as `airstep sync` bundles it (and `--extra` files as they
 * are), wait until dag-sync has registered every DAG from the S3 events, trigger the medallion DAG, run it to the
 * end, and print a summary.
 */
import { readFile } from 'node:fs/promises';
import { basename, relative, resolve } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { dagFilesUnder, loadDagFile } from '../lib/cli/load-dags.ts';
import { bundleDagFile } from '../lib/dag-sync/bundle-dag-file.ts';
import { LocalStack } from './local-stack.ts';

const json = process.argv.includes('--json');
const extraIndex = process.argv.indexOf('--extra');
const extra = extraIndex >= 0 ? process.argv[extraIndex + 1] : undefined;
const say = (line: string) => {
  if (!json) console.log(line);
};
const MAIN_DAG = 's3_medallion_ingestion';

const stack = await LocalStack.start(say);
try {
  say(`MiniStack on ${stack.emulator.endpoint}`);
  const files = await dagFilesUnder('dags');
  const expected = new Set<string>();
  const uploadedAt = performance.now();
  for (const file of files) {
    for (const dag of (await loadDagFile(file)).dags) expected.add(dag.id);
    const key = `dags/${relative(resolve('dags'), resolve(file)).replace(/\.[^./]+$/, '')}.mjs`;
    await stack.upload(key, await bundleDagFile(file));
  }
  const extraFiles = extra !== undefined ? await dagFilesUnder(extra) : [];
  for (const file of extraFiles) await stack.upload(`dags/extra/${basename(file)}`, await readFile(file));
  say(`uploaded ${files.length + extraFiles.length} DAG files (${expected.size} DAGs) to s3://${stack.bucket}/dags/`);

  const registeredAt = new Map<string, number>();
  const importErrors: string[] = [];
  let synced = 0;
  while (
    (registeredAt.size < expected.size || synced < files.length + extraFiles.length) &&
    performance.now() - uploadedAt < 120_000
  ) {
    const results = await stack.syncPending();
    if (results.length === 0 && synced === 0 && performance.now() - uploadedAt > 15_000) {
      throw new Error('no S3 event reached the dag-sync queue within 15 s');
    }
    for (const result of results) {
      synced++;
      if (result.outcome === 'import-error') importErrors.push(...result.errors);
      else if (result.outcome !== 'disabled')
        for (const dagId of result.dags) registeredAt.set(dagId, performance.now());
    }
  }
  const uploadToRunnable = Math.max(...[...registeredAt.values()].map((at) => (at - uploadedAt) / 1000));
  say(`registered ${registeredAt.size} of ${expected.size} DAGs; import errors: ${importErrors.length}`);

  const triggeredAt = performance.now();
  const triggered = await stack.trigger({ kind: 'manual', dagId: MAIN_DAG });
  if (triggered.outcome !== 'started') throw new Error(`trigger: ${JSON.stringify(triggered)}`);
  say(`triggered ${MAIN_DAG}: ${triggered.runId}`);
  const recorded = await stack.runToEnd(triggered.executionArn);
  const triggerToEnd = (performance.now() - triggeredAt) / 1000;
  const outputs: string[] = [];
  for (const target of ['airstep-processed', 'airstep-analytics']) {
    const listed = await stack.s3.send(new ListObjectsV2Command({ Bucket: target }));
    outputs.push(...(listed.Contents ?? []).map((object) => `s3://${target}/${object.Key}`));
  }
  const round = (value: number) => Math.round(value * 100) / 100;
  const summary = {
    emulator: 'MiniStack 1.5.33 (resources through the AWS SDK; handlers in this process)',
    dagsRegistered: [...registeredAt.keys()].sort(),
    importErrors,
    uploadToRunnableSeconds: {
      max: round(uploadToRunnable),
      perDag: round(uploadToRunnable / Math.max(1, registeredAt.size)),
    },
    run: { dagId: MAIN_DAG, runId: triggered.runId, state: recorded?.state ?? 'unknown', tasks: recorded?.tasks ?? [] },
    triggerToEndSeconds: round(triggerToEnd),
    outputs,
  };
  if (json) console.log(JSON.stringify(summary, null, 2));
  else {
    say(
      `run ${summary.run.state} in ${summary.triggerToEndSeconds} s: ${summary.run.tasks.map((t) => `${t.key} ${t.state}`).join(', ')}`,
    );
    say(
      `upload → runnable: ${summary.uploadToRunnableSeconds.max} s for all ${registeredAt.size} DAGs (${summary.uploadToRunnableSeconds.perDag} s per DAG)`,
    );
    for (const output of outputs) say(`  ${output}`);
  }
  process.exitCode = summary.run.state === 'success' ? 0 : 1;
} finally {
  await stack.stop();
}
