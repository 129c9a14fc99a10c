import { describe, expect, it } from 'vitest';
import { applyInputTransformer, InputTransformerError } from '../../lib/assets/apply-input-transformer.ts';
import { matchesEventPattern } from '../../lib/assets/event-pattern-match.ts';
import { watcherEventPattern } from '../../lib/compiler/asset-watchers-ir.ts';
import { watcherInputTransformer } from '../../lib/compiler/watcher-input-transformer.ts';

/** The sample "Object Created" event of the Amazon S3 user guide (EventBridge event message structure). */
const S3_OBJECT_CREATED = {
  version: '0',
  id: '17793124-05d4-b198-2fde-7ededc63b103',
  'detail-type': 'Object Created',
  source: 'aws.s3',
  account: '111122223333',
  time: '2021-11-12T00:00:00Z',
  region: 'ca-central-1',
  resources: ['arn:aws:s3:::DOC-EXAMPLE-BUCKET1'],
  detail: {
    version: '0',
    bucket: { name: 'doc-example-bucket1' },
    object: {
      key: 'landing/orders/example-key',
      size: 5,
      etag: 'b1946ac92492d2347c6235b4d2611184',
      'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
      sequencer: '617f08299329d189',
    },
    'request-id': 'N4N7GDK58NMKJ12R',
    requester: '123456789012',
    'source-ip-address': '1.2.3.4',
    reason: 'PutObject',
  },
};

/** The rule's InputTransformer gives exactly the trigger's asset event (the contract in lib/runs/trigger-event.ts). */
describe('Function: watcherInputTransformer', () => {
  it("turns S3's Object Created event into the asset event, with the object's facts in extra", () => {
    const watcher = {
      kind: 's3ObjectCreated',
      name: 's3-object-created',
      bucket: 'doc-example-bucket1',
      prefix: 'landing/orders/',
    } as const;
    expect(matchesEventPattern(watcherEventPattern(watcher), S3_OBJECT_CREATED)).toBe(true);
    const transformer = watcherInputTransformer('s3://doc-example-bucket1/landing/orders/', watcher);
    expect(applyInputTransformer(transformer, S3_OBJECT_CREATED)).toEqual({
      kind: 'asset',
      uri: 's3://doc-example-bucket1/landing/orders/',
      eventId: '17793124-05d4-b198-2fde-7ededc63b103',
      timestamp: '2021-11-12T00:00:00Z',
      extra: {
        bucket: 'doc-example-bucket1',
        key: 'landing/orders/example-key',
        size: 5,
        etag: 'b1946ac92492d2347c6235b4d2611184',
        sequencer: '617f08299329d189',
      },
      watcher: 's3-object-created',
    });
    // EventBridge's limits: at most 100 variables, names [A-Za-z0-9_-], none starting with "aws.".
    expect(Object.keys(transformer.InputPathsMap).every((name) => /^[A-Za-z0-9_-]+$/.test(name))).toBe(true);
    expect(transformer.InputTemplate.length).toBeLessThanOrEqual(8192);
  });

  it('does not match objects outside the prefix or other buckets', () => {
    const watcher = {
      kind: 's3ObjectCreated',
      name: 'w',
      bucket: 'doc-example-bucket1',
      prefix: 'landing/other/',
    } as const;
    expect(matchesEventPattern(watcherEventPattern(watcher), S3_OBJECT_CREATED)).toBe(false);
    const elsewhere = { ...watcher, bucket: 'another', prefix: '' };
    expect(matchesEventPattern(watcherEventPattern(elsewhere), S3_OBJECT_CREATED)).toBe(false);
  });

  it('keeps a key with quotes and backslashes valid JSON (values are inserted as JSON, not pasted)', () => {
    const watcher = { kind: 's3ObjectCreated', name: 'w', bucket: 'doc-example-bucket1', prefix: '' } as const;
    const event = {
      ...S3_OBJECT_CREATED,
      detail: { ...S3_OBJECT_CREATED.detail, object: { ...S3_OBJECT_CREATED.detail.object, key: 'a "q" \\ <b>' } },
    };
    const result = applyInputTransformer(watcherInputTransformer('s3://doc-example-bucket1', watcher), event) as {
      extra: { key: string };
    };
    expect(result.extra.key).toBe('a "q" \\ <b>');
  });

  it('gives an event pattern watcher the event id, time, source, detail-type and detail', () => {
    const event = {
      version: '0',
      id: 'e-1',
      'detail-type': 'Order Placed',
      source: 'shop.orders',
      account: '1',
      time: '2026-12-07T10:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: { orderId: 'O-1', lines: [{ sku: 'A', n: 2 }] },
    };
    const transformer = watcherInputTransformer('events://orders/placed', {
      kind: 'eventPattern',
      name: 'placed',
      pattern: { source: ['shop.orders'] },
    });
    expect(applyInputTransformer(transformer, event)).toEqual({
      kind: 'asset',
      uri: 'events://orders/placed',
      eventId: 'e-1',
      timestamp: '2026-12-07T10:00:00Z',
      extra: {
        id: 'e-1',
        time: '2026-12-07T10:00:00Z',
        source: 'shop.orders',
        'detail-type': 'Order Placed',
        detail: event.detail,
      },
      watcher: 'placed',
    });
  });

  it('names the missing fact of an event that is not the one the watcher expects', () => {
    const transformer = watcherInputTransformer('s3://b/p', {
      kind: 's3ObjectCreated',
      name: 'w',
      bucket: 'b',
      prefix: 'p',
    });
    expect(() => applyInputTransformer(transformer, { id: '1', time: 't', detail: {} })).toThrow(InputTransformerError);
    expect(() => applyInputTransformer(transformer, { id: '1', time: 't', detail: {} })).toThrow(
      'the event has no detail.bucket.name (needed for extra_bucket)',
    );
  });
});
