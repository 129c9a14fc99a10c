/**
 * The watchers a set of DAGs needs: each distinct (asset, watcher) of the assets they are scheduled on, with the
 * DAGs that declare it. Pure.
 */

import { type AssetConditionIR, type AssetIR, conditionAssets } from './asset-ir.ts';
import type { AssetWatcherIR } from './asset-watchers-ir.ts';

/** One watcher of one asset, with the DAGs scheduled on the asset that declare it. */
export interface WatchedAsset {
  readonly uri: string;
  readonly watcher: AssetWatcherIR;
  readonly dagIds: readonly string[];
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
