/**
 * Which watched assets an EventBridge event updates, and with what: for each distinct (asset, watcher) of the
 * loaded DAGs whose pattern matches, the asset event the watcher's rule would hand the trigger in the cloud (the
 * same InputTransformer, applied here). Pure.
 */

import { watcherEventPattern } from '../compiler/asset-watchers-ir.ts';
import type { WatchedAsset } from '../compiler/watched-assets.ts';
import { watcherInputTransformer } from '../compiler/watcher-input-transformer.ts';
import { applyInputTransformer } from './apply-input-transformer.ts';
import { matchesEventPattern } from './event-pattern-match.ts';

/** An asset event a watcher makes (the trigger event's fields). */
export interface WatcherAssetEvent {
  readonly uri: string;
  readonly watcher: string;
  readonly eventId: string;
  readonly timestamp: string;
  readonly extra: Readonly<Record<string, unknown>>;
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
