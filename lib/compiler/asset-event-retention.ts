/**
 * How long recorded asset events are kept (the runs table's `asset#<uri>` / `asset-event#<id>` items, and locally
 * `.airstep/assets/events/`). One rule in both places:
 * - an event is kept `retention` days after its timestamp (Airflow keeps them until `airflow db clean`; 90 days
 *   by default here, the construct's `assetEventRetention`);
 * - the NEWEST event of each asset is kept until a newer one is recorded, however old: a consumer waiting on an
 *   asset that is updated rarely still sees that it was updated (its condition never misses an update), while the
 *   older events it had not yet consumed drop out of its `triggeringAssetEvents` once they expire.
 * In the cloud DynamoDB's TTL deletes them (within a few days of expiring; until then they are still read), on the
 * runs table's `RUNS_TTL_ATTRIBUTE` (lib/stack-contract/asset-event-retention.ts). Pure, so every part (the local
 * engine, the trigger, the construct's default) shares it.
 */

/** The default retention of asset events, in days. */
export const DEFAULT_ASSET_EVENT_RETENTION_DAYS = 90;

/** When an event of this timestamp expires, in epoch seconds (DynamoDB TTL's unit). */
export function assetEventExpiry(timestamp: string, retentionDays: number): number {
  return Math.floor(Date.parse(timestamp) / 1000) + Math.round(retentionDays * 86_400);
}

/** A retention from the environment or config: whole days, at least 1; `undefined` when not a valid one. */
export function parseRetentionDays(value: unknown): number | undefined {
  const days = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof days === 'number' && Number.isInteger(days) && days >= 1 ? days : undefined;
}
