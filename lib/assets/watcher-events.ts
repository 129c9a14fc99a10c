/**
 * Which watched assets an EventBridge event updates, and with what: for each distinct (asset, watcher) of the
 * loaded DAGs whose pattern matches, the asset event the watcher's rule would hand the trigger in the cloud (the
 * same InputTransformer, applied here). Pure.
 */

import type { AssetConditionIR, AssetIR } from '../compiler/asset-ir.ts';
import { conditionAssets } from '../compiler/asset-ir.ts';
import { type AssetWatcherIR, watcherEventPattern } from '../compiler/asset-watchers-ir.ts';
import { watcherInputTransformer } from '../compiler/watcher-input-transformer.ts';
import { applyInputTransformer } from './apply-input-transformer.ts';
import { matchesEventPattern } from './event-pattern-match.ts';

/** One watcher of one asset, with the DAGs scheduled on the asset that declare it. */
export interface WatchedAsset {
  readonly uri: string;
  readonly watcher: AssetWatcherIR;
  readonly dagIds: readonly string[];
}

/** An asset event a watcher makes (the trigger event's fields). */
export interface WatcherAssetEvent {
  readonly uri: string;
  readonly watcher: string;
  readonly eventId: string;
  readonly timestamp: string;
  readonly extra: Readonly<Record<string, unknown>>;
}

/** The distinct watchers of the assets the DAGs are scheduled on, sorted by URI then name. */
export function watchedAssets(
  dags: ReadonlyArray<{ readonly dagId: string; readonly assets?: AssetConditionIR }>,
): WatchedAsset[] {
  const found = new Map<string, { uri: string; watcher: AssetWatcherIR; dagIds: string[] }>();
  for (const dag of dags) {
    if (dag.assets === undefined) continue;
    for (const asset of conditionAssets(dag.assets) as AssetIR[])
      for (const watcher of asset.watchers ?? []) {
        const key = JSON.stringify([asset.uri, watcher.name]);
        const entry = found.get(key) ?? { uri: asset.uri, watcher, dagIds: [] };
        entry.dagIds.push(dag.dagId);
        found.set(key, entry);
      }
  }
  return [...found.values()].sort((a, b) =>
    a.uri !== b.uri ? (a.uri < b.uri ? -1 : 1) : a.watcher.name < b.watcher.name ? -1 : 1,
  );
}

/** The asset events `event` makes through the watchers it matches (none: it matches no watcher). */
export function watcherEventsFor(watched: readonly WatchedAsset[], event: unknown): WatcherAssetEvent[] {
  return watched
    .filter((entry) => matchesEventPattern(watcherEventPattern(entry.watcher), event))
    .map((entry) => {
      const made = applyInputTransformer(watcherInputTransformer(entry.uri, entry.watcher), event) as {
        eventId: string;
        timestamp: string;
        extra: Record<string, unknown>;
      };
      return {
        uri: entry.uri,
        watcher: entry.watcher.name,
        eventId: made.eventId,
        timestamp: made.timestamp,
        extra: made.extra,
      };
    });
}
