/**
 * The InputTransformer of a watcher's EventBridge rule: it turns the matched event into exactly the trigger
 * function's asset event (`{ kind: 'asset', uri, eventId, timestamp, extra, watcher }`, lib/runs/trigger-event.ts),
 * so the trigger needs no code per source. Local runs apply the same transformer (lib/assets/apply-input-transformer.ts),
 * so `airstep assets emit` records what the cloud would. Pure.
 *
 * Placeholders stand unquoted in value positions: EventBridge then inserts each value as JSON (a string quoted and
 * escaped, a number or object as is), which keeps an S3 key holding a quote valid JSON.
 */

import type { AssetWatcherIR } from './asset-watchers-ir.ts';

export interface WatcherInputTransformer {
  /** Placeholder name -> JSON path into the event (dot notation, as EventBridge requires). */
  readonly InputPathsMap: Readonly<Record<string, string>>;
  readonly InputTemplate: string;
}

/** Where each fact of `extra` comes from in the event, per kind of watcher. */
const EXTRA_PATHS: Record<AssetWatcherIR['kind'], Readonly<Record<string, string>>> = {
  // S3's Object Created event (EventBridge): `version-id` is left out, as it is present only in versioned buckets
  // and EventBridge documents no value for a path an event lacks.
  s3ObjectCreated: {
    bucket: '$.detail.bucket.name',
    key: '$.detail.object.key',
    size: '$.detail.object.size',
    etag: '$.detail.object.etag',
    sequencer: '$.detail.object.sequencer',
  },
  eventPattern: {
    id: '$.id',
    time: '$.time',
    source: '$.source',
    'detail-type': '$.detail-type',
    detail: '$.detail',
  },
};

export function watcherInputTransformer(uri: string, watcher: AssetWatcherIR): WatcherInputTransformer {
  const extra = EXTRA_PATHS[watcher.kind];
  // Placeholder names: EventBridge's [A-Za-z0-9_-]+, never starting with "aws.".
  const names = Object.keys(extra).map((field) => [field, `extra_${field.replace(/[^A-Za-z0-9]/g, '_')}`] as const);
  const InputPathsMap: Record<string, string> = { eventId: '$.id', timestamp: '$.time' };
  for (const [field, name] of names) InputPathsMap[name] = extra[field]!;
  const extraTemplate = names.map(([field, name]) => `${JSON.stringify(field)}:<${name}>`).join(',');
  return {
    InputPathsMap,
    InputTemplate:
      `{"kind":"asset","uri":${JSON.stringify(uri)},"eventId":<eventId>,"timestamp":<timestamp>,` +
      `"extra":{${extraTemplate}},"watcher":${JSON.stringify(watcher.name)}}`,
  };
}
