import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type WatcherAssetEvent, watcherEventsFor } from '../assets/watcher-events.ts';
import { assetUriProblem } from '../compiler/asset-ir.ts';
import { watchedAssets } from '../compiler/watched-assets.ts';
import { LocalAssetEvents } from '../local/local-asset-events.ts';
import { LocalStore } from '../local/local-store.ts';
import { compileFiles } from './compile-files.ts';
import { colours, EXIT, printJson } from './output.ts';

interface EmitOptions {
  dags: string[];
  uri?: string;
  extra?: string;
  json?: boolean;
}

/**
 * `airstep assets emit <event.json|->`: puts an EventBridge event locally. Each watcher of the DAGs' assets whose
 * pattern matches records an asset event in the local store (what its rule would hand the trigger in the cloud);
 * `airstep dev` then runs the DAGs scheduled on them. `airstep assets emit --uri <uri> [--extra <json>]` records a
 * plain asset event, as Airflow's REST API lets one be created.
 */
export function registerAssetsEmitCommand(assets: Command): void {
  assets
    .command('emit')
    .description('put an EventBridge event (or, with --uri, an asset event) into the local store')
    .argument('[event]', 'a JSON file holding an EventBridge event (or a PutEvents entry), or - for stdin')
    .option('--dags <paths...>', 'DAG files or folders whose watchers to match', ['dags'])
    .option('--uri <uri>', 'record a plain event of this asset instead of matching watchers')
    .option('--extra <json>', "with --uri: the event's extra (a JSON object)")
    .option('--json', 'print one JSON document')
    .action(async (eventPath: string | undefined, options: EmitOptions, command: Command) => {
      // `assets` has its own --json, which commander gives the parent: either one asks for JSON.
      const json = options.json === true || command.parent?.opts().json === true;
      process.exitCode = await emit(eventPath, { ...options, json });
    });
}

async function emit(eventPath: string | undefined, options: EmitOptions): Promise<number> {
  const refuse = (message: string) => {
    if (options.json === true) printJson({ ok: false, error: message });
    else console.error(message);
    return EXIT.usage;
  };
  const store = new LocalAssetEvents(new LocalStore().root);
  if (options.uri !== undefined) {
    if (eventPath !== undefined) return refuse('give an event file or --uri, not both');
    const problem = assetUriProblem(options.uri);
    if (problem !== undefined) return refuse(problem);
    const extra = readExtra(options.extra);
    if (typeof extra === 'string') return refuse(extra);
    const event = await store.recordExternal(options.uri, { extra }, new Date());
    if (options.json === true) printJson({ ok: true, recorded: [event] });
    else console.log(`recorded an event of ${event.uri}`);
    return EXIT.ok;
  }
  if (options.extra !== undefined) return refuse('--extra goes with --uri');
  if (eventPath === undefined) return refuse('give an event file (or - for stdin), or --uri <uri>');
  let text: string;
  try {
    text = eventPath === '-' ? await readStdin() : await readFile(eventPath, 'utf8');
  } catch (error) {
    return refuse(`cannot read ${eventPath}: ${(error as Error).message}`);
  }
  const event = eventBridgeEvent(text);
  if (typeof event === 'string') return refuse(event);

  const files = await compileFiles(options.dags);
  const broken = files.filter((file) => file.problems.length > 0).map((file) => file.file);
  const watched = watchedAssets(
    files
      .flatMap((file) => file.compiled.filter((dag) => dag.problems.length === 0 && dag.manifest !== undefined))
      .map((dag) => ({ dagId: dag.ir.dagId, ...(dag.ir.assets !== undefined ? { assets: dag.ir.assets } : {}) })),
  );
  let matched: WatcherAssetEvent[];
  try {
    matched = watcherEventsFor(watched, event);
  } catch (error) {
    return refuse(`the event matches a watcher but ${(error as Error).message}`);
  }
  const now = new Date();
  const recorded = [];
  for (const made of matched)
    recorded.push(
      await store.recordExternal(
        made.uri,
        { watcher: made.watcher, timestamp: made.timestamp, extra: made.extra },
        now,
      ),
    );
  if (options.json === true) {
    printJson({
      ok: true,
      event,
      matched: matched.map((made) => ({ uri: made.uri, watcher: made.watcher })),
      recorded,
      ...(broken.length > 0 ? { notLoaded: broken } : {}),
    });
    return EXIT.ok;
  }
  const c = colours();
  for (const file of broken) console.error(c.yellow(`not loaded (run airstep validate): ${file}`));
  if (matched.length === 0) {
    console.log(`no watcher matched (${watched.length} watcher(s) in ${options.dags.join(', ')})`);
    return EXIT.ok;
  }
  for (const made of matched)
    console.log(`${c.green('matched')} ${made.uri} › watcher ${made.watcher}: recorded an event`);
  return EXIT.ok;
}

/**
 * The event as EventBridge would deliver it: a whole event, or a PutEvents entry (`Source`, `DetailType`, `Detail`
 * as a JSON string), with what EventBridge adds (id, time, account, region) filled in where absent.
 */
function eventBridgeEvent(text: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `the event is not JSON: ${(error as Error).message}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the event must be a JSON object';
  const given = value as Record<string, unknown>;
  const entry = 'Source' in given || 'DetailType' in given;
  let detail: unknown = entry ? given.Detail : given.detail;
  if (entry && typeof detail === 'string') {
    try {
      detail = JSON.parse(detail);
    } catch {
      return "the entry's Detail must be a JSON object (as a string)";
    }
  }
  const source = entry ? given.Source : given.source;
  const detailType = entry ? given.DetailType : given['detail-type'];
  if (typeof source !== 'string' || typeof detailType !== 'string')
    return 'the event needs a source and a detail-type (Source and DetailType in a PutEvents entry)';
  const rest = entry ? {} : given;
  return {
    version: '0',
    id: randomUUID(),
    account: process.env.AWS_ACCOUNT_ID ?? '000000000000',
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    resources: entry && Array.isArray(given.Resources) ? given.Resources : [],
    ...rest,
    source,
    'detail-type': detailType,
    detail: detail ?? {},
  };
}

function readExtra(text: string | undefined): Record<string, unknown> | string {
  if (text === undefined) return {};
  try {
    const value = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
  } catch {
    // Told below, as any other non-object.
  }
  return '--extra must be a JSON object, e.g. {"rows": 42}';
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
