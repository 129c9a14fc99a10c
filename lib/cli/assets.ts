import type { Command } from 'commander';
import { assetCatalog } from '../assets/asset-catalog.ts';
import type { ConsumerBook } from '../assets/asset-queue.ts';
import { LocalAssetEvents } from '../local/local-asset-events.ts';
import { LocalStore } from '../local/local-store.ts';
import { registerAssetsEmitCommand } from './assets-emit.ts';
import { compileFiles } from './compile-files.ts';
import { colours, EXIT, printJson } from './output.ts';
import { renderTable } from './render-table.ts';

/**
 * `airstep assets [paths…]`: the assets the DAG files declare (outlets and asset schedules) and the ones the local
 * store has events for: producers (DAG › task), consumers (DAG and its condition), the last event; then each
 * consumer DAG with what is queued for it. Local only: the deployed stack records no asset events yet (dag-sync
 * refuses DAGs that use assets), so there is no `--stack`.
 */
export function registerAssetsCommand(program: Command): void {
  const assets = program.command('assets');
  registerAssetsEmitCommand(assets);
  assets
    .description('list assets with their producers, consumers and last events (local)')
    .argument('[paths...]', 'DAG files or folders (default: dags)')
    .option('--json', 'print one JSON document')
    .action(async (paths: string[], options: { json?: boolean }) => {
      process.exitCode = await listAssets(paths.length > 0 ? paths : ['dags'], options);
    });
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
  const c = colours();
  if (catalog.assets.length === 0) {
    console.log(c.dim(`no assets in ${paths.join(', ')} (declare outlets: [asset('s3://…')] on a task)`));
    return EXIT.ok;
  }
  console.log(
    renderTable(
      ['asset', 'producers', 'consumers', 'last event'],
      catalog.assets.map((asset) => [
        asset.name !== undefined ? `${asset.uri} (${asset.name})` : asset.uri,
        asset.producers.map((p) => `${p.dagId} › ${p.taskId}`).join(', ') || '-',
        asset.consumers.map((consumer) => consumer.dagId).join(', ') || '-',
        asset.lastEvent !== undefined ? `${asset.lastEvent.timestamp} by ${eventSource(asset.lastEvent)}` : '-',
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
              ? c.green(`${consumer.queued} event(s): due (airstep dev runs it)`)
              : `waiting for ${consumer.waitingFor.join(', ')}`,
        ]),
      ),
    );
  }
  return EXIT.ok;
}

/** Who made an event: the producing DAG › task, the watcher, or a hand (`airstep assets emit --uri`). */
function eventSource(event: { sourceDagId?: string; sourceTaskId?: string; watcher?: string }): string {
  if (event.sourceDagId !== undefined) return `${event.sourceDagId} › ${event.sourceTaskId}`;
  return event.watcher !== undefined ? `watcher ${event.watcher}` : 'airstep assets emit';
}
