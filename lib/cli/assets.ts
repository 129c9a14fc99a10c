import type { Command } from 'commander';
import { assetCatalog } from '../assets/asset-catalog.ts';
import type { ConsumerBook } from '../assets/asset-queue.ts';
import { LocalAssetEvents } from '../local/local-asset-events.ts';
import { LocalStore } from '../local/local-store.ts';
import { registerAssetsEmitCommand } from './assets-emit.ts';
import { type CloudStackOptions, cloudStackOptions, resolveCloudStack, wantsCloud } from './cloud-stack.ts';
import { compileFiles } from './compile-files.ts';
import { colours, EXIT, printJson } from './output.ts';
import { renderTable } from './render-table.ts';
import { refuser } from './run-input.ts';

/**
 * `airstep assets [paths…]`: the assets the DAG files declare (outlets and asset schedules) and the ones the local
 * store has events for: producers (DAG › task), consumers (DAG and its condition), the last event; then each
 * consumer DAG with what is queued for it. With `--stack`/`--outputs`: the same from the deployed stack (the live
 * DAGs, the events the trigger recorded, the consumers' books; see cloud-assets.ts).
 */
export function registerAssetsCommand(program: Command): void {
  const assets = program.command('assets');
  registerAssetsEmitCommand(assets);
  cloudStackOptions(
    assets
      .description('list assets with their producers, consumers and last events (local, or the deployed stack)')
      .argument('[paths...]', 'DAG files or folders (default: dags)')
      .option('--json', 'print one JSON document'),
  ).action(async (paths: string[], options: { json?: boolean } & CloudStackOptions) => {
    process.exitCode = wantsCloud(options)
      ? await listDeployedAssets(paths, options)
      : await listAssets(paths.length > 0 ? paths : ['dags'], options);
  });
}

async function listDeployedAssets(paths: string[], options: { json?: boolean } & CloudStackOptions): Promise<number> {
  const refuse = refuser(options.json, colours(process.stderr).red);
  if (paths.length > 0)
    return refuse(
      `assets --stack / --outputs lists the deployed stack's assets; it takes no paths (got ${paths.join(' ')})`,
    );
  const stack = await resolveCloudStack(options);
  if (!stack.ok) return refuse(stack.message);
  // The AWS SDK clients load only when the deployed stack is read.
  const [{ dynamoClient }, { S3Client }, { readCloudAssetCatalog }] = await Promise.all([
    import('../dynamo/dag-record.ts'),
    import('@aws-sdk/client-s3'),
    import('./cloud-assets.ts'),
  ]);
  const { catalog, problems } = await readCloudAssetCatalog(stack.value, {
    dynamo: dynamoClient(),
    s3: new S3Client({}),
  });
  if (options.json === true) {
    printJson({ ...catalog, problems });
    return EXIT.ok;
  }
  for (const problem of problems) console.error(colours(process.stderr).yellow(problem));
  printCatalog(catalog, stack.value.source, true);
  return EXIT.ok;
}

async function listAssets(paths: string[], options: { json?: boolean }): Promise<number> {
  const files = await compileFiles(paths);
  const manifests = files.flatMap((file) =>
    file.compiled.flatMap((dag) => (dag.manifest !== undefined ? [dag.manifest] : [])),
  );
  const events = new LocalAssetEvents(new LocalStore().root);
  const books = new Map<string, ConsumerBook>();
  for (const manifest of manifests) {
    if (manifest.assets === undefined) continue;
    const book = await events.existingBook(manifest.dagId);
    if (book !== undefined) books.set(manifest.dagId, book);
  }
  const catalog = assetCatalog(manifests, await events.events(), books);
  if (options.json === true) {
    printJson(catalog);
    return EXIT.ok;
  }
  printCatalog(catalog, paths.join(', '), false);
  return EXIT.ok;
}

/** The catalog as two tables: assets, then consumers (`where`: the paths or the stack, for the empty message). */
function printCatalog(catalog: ReturnType<typeof assetCatalog>, where: string, cloud: boolean): void {
  const c = colours();
  if (catalog.assets.length === 0) {
    console.log(c.dim(`no assets in ${where} (declare outlets: [asset('s3://…')] on a task)`));
    return;
  }
  console.log(
    renderTable(
      ['asset', 'producers', 'consumers', 'last event', 'watchers'],
      catalog.assets.map((asset) => [
        asset.name !== undefined ? `${asset.uri} (${asset.name})` : asset.uri,
        asset.producers.map((p) => `${p.dagId} › ${p.taskId}`).join(', ') || '-',
        asset.consumers.map((consumer) => consumer.dagId).join(', ') || '-',
        asset.lastEvent !== undefined ? `${asset.lastEvent.timestamp} by ${eventSource(asset.lastEvent)}` : '-',
        asset.watchers.map((watcher) => `${watcher.name}: ${watcher.watches}`).join('; ') || '-',
      ]),
    ),
  );
  if (catalog.consumers.length > 0) {
    console.log('');
    console.log(
      renderTable(
        ['consumer', 'condition', 'queued'],
        catalog.consumers.map((consumer) => [
          consumer.dagId,
          consumer.condition,
          !consumer.queueing
            ? c.dim('not queueing yet (airstep dev queues events from when it first loads the DAG)')
            : consumer.waitingFor === undefined
              ? c.green(
                  `${consumer.queued} event(s): due (${cloud ? 'the trigger runs it on its next event, unless paused' : 'airstep dev runs it'})`,
                )
              : `waiting for ${consumer.waitingFor.join(', ')}`,
        ]),
      ),
    );
  }
}

/** Who made an event: the producing DAG › task, the watcher, or a hand (`airstep assets emit --uri`). */
function eventSource(event: { sourceDagId?: string; sourceTaskId?: string; watcher?: string }): string {
  if (event.sourceDagId !== undefined) return `${event.sourceDagId} › ${event.sourceTaskId}`;
  // Neither a task nor a watcher: `airstep assets emit --uri`, or a direct call of the stack's trigger.
  return event.watcher !== undefined ? `watcher ${event.watcher}` : 'a caller outside Airstep';
}
