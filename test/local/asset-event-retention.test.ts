import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalAssetEvents } from '../../lib/local/local-asset-events.ts';

/**
 * Local asset events expire by the cloud's rule (lib/compiler/asset-event-retention.ts): each recording
 * removes the events older than the retention, except the newest of each asset.
 */
let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'airstep-retention-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000);
const source = { dagId: 'p', taskId: 't', runId: 'r' };

describe('Local asset events: retention', () => {
  it('prunes events past the retention when one is recorded, never the newest of an asset', async () => {
    const events = new LocalAssetEvents(root, 10);
    await events.record(['s3://a', 's3://rare'], source, day(0));
    await events.record(['s3://a'], source, day(5));
    await events.recordExternal('s3://a', { extra: { n: 3 } }, day(8));
    // Day 9: nothing is 10 days old yet.
    await events.record(['s3://b'], source, day(9));
    expect((await events.events()).map((e) => [e.uri, e.timestamp.slice(0, 10)])).toEqual([
      ['s3://a', '2026-01-01'],
      ['s3://rare', '2026-01-01'],
      ['s3://a', '2026-01-06'],
      ['s3://a', '2026-01-09'],
      ['s3://b', '2026-01-10'],
    ]);
    // Day 12: a's first event expired; `rare`'s is as old but its asset's newest, so it stays.
    await events.record(['s3://b'], source, day(12));
    expect((await events.events()).map((e) => [e.uri, e.timestamp.slice(0, 10)])).toEqual([
      ['s3://rare', '2026-01-01'],
      ['s3://a', '2026-01-06'],
      ['s3://a', '2026-01-09'],
      ['s3://b', '2026-01-10'],
      ['s3://b', '2026-01-13'],
    ]);
    // Long after: only each asset's newest is left.
    expect(await events.prune(day(400))).toBe(2);
    expect((await events.events()).map((e) => [e.uri, e.timestamp.slice(0, 10)])).toEqual([
      ['s3://rare', '2026-01-01'],
      ['s3://a', '2026-01-09'],
      ['s3://b', '2026-01-13'],
    ]);
  });
});
