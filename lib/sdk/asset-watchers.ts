/**
 * Asset watchers (Airflow 3's `AssetWatcher`): events from outside Airstep that update an asset. A DAG scheduled on
 * a watched asset runs on them like on any other event of the asset (same conditions, queue and
 * `ctx.triggeringAssetEvents`), each event's facts in its `extra`.
 *
 * Plain values, checked by `airstep validate` (every problem at once) rather than here.
 */

/** An EventBridge event pattern: field names to lists of values or operators, nested (`$or` for alternatives). */
export type EventPattern = { readonly [field: string]: unknown };

/**
 * Fires when an object is created under the asset's `s3://bucket/prefix` URI (S3's `Object Created` event through
 * EventBridge: the bucket needs its EventBridge notifications on). `extra`: bucket, key, size, etag, sequencer.
 */
export interface S3ObjectCreatedWatcher {
  readonly kind: 's3ObjectCreated';
  /** The watcher's name, unique among the asset's watchers (it names the deployed rule). */
  readonly name: string;
}

/**
 * Fires on every EventBridge event of the default bus that matches `pattern`. `extra`: the event's id, time, source,
 * detail-type and detail.
 */
export interface EventPatternWatcher {
  readonly kind: 'eventPattern';
  readonly name: string;
  readonly pattern: EventPattern;
}

export type AssetWatcher = S3ObjectCreatedWatcher | EventPatternWatcher;

/** Watches the asset's `s3://bucket/prefix` for new objects: `asset('s3://lake/landing/', { watchers: [s3ObjectCreated()] })`. */
export function s3ObjectCreated(options: { readonly name?: string } = {}): S3ObjectCreatedWatcher {
  return Object.freeze({ kind: 's3ObjectCreated' as const, name: options.name ?? 's3-object-created' });
}

/** Watches EventBridge for events matching `pattern`: `eventPattern('order-placed', { source: ['shop.orders'] })`. */
export function eventPattern(name: string, pattern: EventPattern): EventPatternWatcher {
  return Object.freeze({ kind: 'eventPattern' as const, name, pattern });
}
