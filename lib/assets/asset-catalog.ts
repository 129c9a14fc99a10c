import type { AssetConditionIR } from '../compiler/asset-ir.ts';
import { conditionAssets, describeCondition } from '../compiler/asset-ir.ts';
import type { AssetWatcherIR } from '../compiler/asset-watchers-ir.ts';
import type { DagManifest } from '../compiler/manifest.ts';
import { assetDecision } from './asset-condition.ts';
import type { AssetEvent } from './asset-event.ts';
import { type ConsumerBook, queuedEvents } from './asset-queue.ts';

/** One asset as `airstep assets` shows it. */
export interface AssetEntry {
  readonly uri: string;
  readonly name?: string;
  readonly extra?: Readonly<Record<string, unknown>>;
  /** The tasks that update it (their outlets). */
  readonly producers: ReadonlyArray<{ readonly dagId: string; readonly taskId: string }>;
  /** The DAGs scheduled on it, with their whole condition. */
  readonly consumers: ReadonlyArray<{ readonly dagId: string; readonly condition: string }>;
  /** Its watchers (events from outside Airstep that update it), by name, in words (`s3ObjectCreated s3://b/p`). */
  readonly watchers: ReadonlyArray<{ readonly name: string; readonly watches: string }>;
  readonly lastEvent?: AssetEvent;
  readonly events: number;
}

/** A consumer DAG: its condition, and (once `airstep dev` has seen it) its queued events and whether it is due. */
export interface ConsumerEntry {
  readonly dagId: string;
  readonly condition: string;
  readonly queued: number;
  /** Assets of its condition with no queued event; absent when the condition is met (`airstep dev` runs it). */
  readonly waitingFor?: readonly string[];
  /** False until `airstep dev` has loaded it: events before that are not its. */
  readonly queueing: boolean;
}

/**
 * The assets the given DAGs declare (outlets and schedules) and the ones events were recorded for, each with its
 * producers, consumers and last event; and each consumer with what is queued for it. Pure.
 */
export function assetCatalog(
  dags: ReadonlyArray<Pick<DagManifest, 'dagId' | 'tasks' | 'assets'>>,
  events: readonly AssetEvent[],
  books: ReadonlyMap<string, ConsumerBook>,
): { readonly assets: AssetEntry[]; readonly consumers: ConsumerEntry[] } {
  const entries = new Map<
    string,
    {
      uri: string;
      name?: string;
      extra?: Readonly<Record<string, unknown>>;
      producers: Array<{ dagId: string; taskId: string }>;
      consumers: Array<{ dagId: string; condition: string }>;
      watchers: Map<string, string>;
    }
  >();
  const entry = (asset: {
    uri: string;
    name?: string;
    extra?: Readonly<Record<string, unknown>>;
    watchers?: readonly AssetWatcherIR[];
  }) => {
    let found = entries.get(asset.uri);
    if (found === undefined) {
      found = { uri: asset.uri, producers: [], consumers: [], watchers: new Map() };
      entries.set(asset.uri, found);
    }
    if (asset.name !== undefined) found.name ??= asset.name;
    if (asset.extra !== undefined) found.extra ??= asset.extra;
    for (const watcher of asset.watchers ?? []) found.watchers.set(watcher.name, watcherText(watcher));
    return found;
  };
  const consumers: ConsumerEntry[] = [];
  for (const dag of dags) {
    for (const task of dag.tasks)
      for (const outlet of task.outlets ?? []) entry(outlet).producers.push({ dagId: dag.dagId, taskId: task.id });
    if (dag.assets === undefined) continue;
    const condition = describeCondition(dag.assets);
    for (const asset of conditionAssets(dag.assets)) entry(asset).consumers.push({ dagId: dag.dagId, condition });
    consumers.push(consumerEntry(dag.dagId, dag.assets, condition, events, books.get(dag.dagId)));
  }
  for (const event of events) entry({ uri: event.uri });
  const assets = [...entries.values()]
    .sort((a, b) => (a.uri < b.uri ? -1 : 1))
    .map(({ watchers, ...found }): AssetEntry => {
      const own = events.filter((event) => event.uri === found.uri);
      const last = own.reduce<AssetEvent | undefined>(
        (newest, event) => (newest === undefined || event.id > newest.id ? event : newest),
        undefined,
      );
      return {
        ...found,
        watchers: [...watchers].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, watches]) => ({ name, watches })),
        ...(last !== undefined ? { lastEvent: last } : {}),
        events: own.length,
      };
    });
  return { assets, consumers: consumers.sort((a, b) => (a.dagId < b.dagId ? -1 : 1)) };
}

function consumerEntry(
  dagId: string,
  condition: AssetConditionIR,
  text: string,
  events: readonly AssetEvent[],
  book: ConsumerBook | undefined,
): ConsumerEntry {
  if (book === undefined)
    return {
      dagId,
      condition: text,
      queued: 0,
      queueing: false,
      waitingFor: conditionAssets(condition).map((asset) => asset.uri),
    };
  const decision = assetDecision(condition, queuedEvents(book, events));
  return decision.due
    ? { dagId, condition: text, queued: decision.consumed.length, queueing: true }
    : { dagId, condition: text, queued: 0, queueing: true, waitingFor: decision.waitingFor };
}

/** A watcher in words: what it watches. */
function watcherText(watcher: AssetWatcherIR): string {
  return watcher.kind === 's3ObjectCreated'
    ? `S3 objects created in s3://${watcher.bucket}/${watcher.prefix}`
    : `EventBridge events matching ${JSON.stringify(watcher.pattern)}`;
}
