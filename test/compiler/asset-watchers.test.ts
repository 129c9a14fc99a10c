import { describe, expect, it } from 'vitest';
import { watcherEventPattern } from '../../lib/compiler/asset-watchers-ir.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { formatProblem } from '../../lib/sdk/errors.ts';
import { type Asset, asset, dag, eventPattern, s3ObjectCreated } from '../../lib/sdk/index.ts';

/** Asset watchers as compiled: into the IR and the manifest with the asset, every problem at once with its field. */
describe('Compiler: asset watchers', () => {
  const consumer = (...assets: Asset[]) => {
    const d = dag({ id: 'ingest', schedule: assets });
    d.task('load', async () => 1);
    return compileDag(d, { file: 'dags/ingest.ts' });
  };

  it('puts an S3 watcher with its bucket and prefix (from the URI) on the asset, in the IR and the manifest', () => {
    const result = consumer(asset('s3://my-bucket/landing/orders/', { watchers: [s3ObjectCreated()] }));
    expect(result.problems).toEqual([]);
    const watched = {
      kind: 'asset',
      uri: 's3://my-bucket/landing/orders/',
      watchers: [
        { kind: 's3ObjectCreated', name: 's3-object-created', bucket: 'my-bucket', prefix: 'landing/orders/' },
      ],
    };
    expect(result.ir.assets).toEqual({ kind: 'all', of: [watched] });
    expect(result.manifest?.assets).toEqual(result.ir.assets);
  });

  it('derives the S3 watcher rule pattern: Object Created in the bucket, keys under the prefix', () => {
    expect(watcherEventPattern({ kind: 's3ObjectCreated', name: 'w', bucket: 'b-1', prefix: 'in/' })).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['b-1'] }, object: { key: [{ prefix: 'in/' }] } },
    });
    // A whole bucket: no key condition at all.
    expect(watcherEventPattern({ kind: 's3ObjectCreated', name: 'w', bucket: 'b-1', prefix: '' })).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['b-1'] } },
    });
  });

  it('keeps an event pattern watcher as written, watchers sorted by name', () => {
    const pattern = {
      source: ['shop.orders'],
      'detail-type': ['Order Placed'],
      detail: { total: [{ numeric: ['>', 0] }] },
    };
    const result = consumer(
      asset('events://orders/placed', {
        watchers: [eventPattern('placed', pattern), eventPattern('audit', { source: ['a'] })],
      }),
    );
    expect(result.problems).toEqual([]);
    expect(result.manifest?.assets).toEqual({
      kind: 'all',
      of: [
        {
          kind: 'asset',
          uri: 'events://orders/placed',
          watchers: [
            { kind: 'eventPattern', name: 'audit', pattern: { source: ['a'] } },
            { kind: 'eventPattern', name: 'placed', pattern },
          ],
        },
      ],
    });
  });

  it('refuses every bad watcher at once, each at its field', () => {
    const result = consumer(
      asset('https://example.com/orders', { watchers: [s3ObjectCreated()] }),
      asset('s3://Bad_Bucket/x', { watchers: [s3ObjectCreated()] }),
      asset('events://a', { watchers: [eventPattern('p', {}), eventPattern('p', { source: ['x'] })] }),
      asset('events://b', {
        watchers: [
          eventPattern('bad name!', { source: ['x'] }),
          eventPattern('ops', {
            source: 'x',
            detail: { ip: [{ cidr: '10.0.0.0/24' }], n: [{ numeric: ['<', 5, '>', 1] }], list: [], x: [{ prefix: 3 }] },
          }),
        ],
      }),
      asset('events://c', { watchers: [] }),
      asset('events://d', { watchers: [{ kind: 'nope' } as never] }),
      asset('events://e', { watchers: [eventPattern('o', { $or: [{ source: ['a'] }] })] }),
    );
    expect(result.problems.map(formatProblem)).toEqual([
      "dags/ingest.ts › dag ingest › schedule[0].watchers[0]: s3ObjectCreated() watches an s3://bucket/prefix asset; 'https://example.com/orders' is not one (use eventPattern for other sources)",
      "dags/ingest.ts › dag ingest › schedule[1].watchers[0]: 'Bad_Bucket' is not an S3 bucket name (3 to 63 lower-case letters, digits, '.' and '-')",
      'dags/ingest.ts › dag ingest › schedule[2].watchers[0].pattern: an empty pattern would match every event on the bus: name what to match',
      "dags/ingest.ts › dag ingest › schedule[2].watchers[1].name: another watcher of this asset is named 'p'",
      `dags/ingest.ts › dag ingest › schedule[3].watchers[0].name: must be 1 to 64 letters, digits, '.', '_' or '-', got "bad name!"`,
      'dags/ingest.ts › dag ingest › schedule[3].watchers[1].pattern.source: must be a list of values or operators (e.g. ["a", { "prefix": "b" }]), got "x"',
      "dags/ingest.ts › dag ingest › schedule[3].watchers[1].pattern.detail.ip[0].cidr: 'cidr' is not an operator Airstep matches (it implements prefix, suffix, anything-but, numeric, exists, equals-ignore-case, wildcard and $or), so a local run could not match it as EventBridge would",
      'dags/ingest.ts › dag ingest › schedule[3].watchers[1].pattern.detail.n[0].numeric: a range is written [">" or ">=", low, "<" or "<=", high]',
      'dags/ingest.ts › dag ingest › schedule[3].watchers[1].pattern.detail.list: an empty list matches no event',
      'dags/ingest.ts › dag ingest › schedule[3].watchers[1].pattern.detail.x[0].prefix: takes a string or { "equals-ignore-case": string }',
      'dags/ingest.ts › dag ingest › schedule[4].watchers: must be a non-empty list of watchers (s3ObjectCreated(), eventPattern(…))',
      'dags/ingest.ts › dag ingest › schedule[5].watchers[0]: must be a watcher: s3ObjectCreated() or eventPattern(name, pattern)',
      'dags/ingest.ts › dag ingest › schedule[6].watchers[0].pattern.$or: must be a list of at least two patterns (objects)',
    ]);
  });

  it('refuses one asset named twice with different watchers (one set would be ignored)', () => {
    const result = consumer(
      asset('s3://lake/in/', { watchers: [s3ObjectCreated()] }),
      asset('s3://lake/in/', { watchers: [s3ObjectCreated({ name: 'other' })] }),
    );
    expect(result.problems.map(formatProblem)).toEqual([
      "dags/ingest.ts › dag ingest › schedule: asset 's3://lake/in/' is named with different watchers: declare it once (const a = asset(…)) and reuse it",
    ]);
  });

  it('refuses a pattern longer than PutRule takes', () => {
    const result = consumer(asset('events://big', { watchers: [eventPattern('big', { source: ['x'.repeat(4100)] })] }));
    expect(result.problems.map((p) => p.message)).toEqual([
      'is 4115 characters as JSON; EventBridge takes at most 4096',
    ]);
  });
});
