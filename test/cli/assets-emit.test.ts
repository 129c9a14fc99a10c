import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAssetEvents } from '../../lib/local/local-asset-events.ts';
import { type ScratchProject, scratchProject } from '../helpers/scratch-project.ts';

const FIXTURE = resolve('test/fixtures/assets/watched_consumer.ts');
let project: ScratchProject;
beforeAll(async () => {
  project = await scratchProject('assets-emit');
});
afterAll(async () => {
  await project?.remove();
});

/** `airstep assets emit`: what it records in the local store, and what it refuses (exit 2, nothing recorded). */
describe('airstep assets emit', () => {
  it('records a plain asset event with --uri and --extra, with no source and no watcher', async () => {
    const run = await project.airstep('assets', 'emit', '--uri', 's3://lake/orders', '--extra', '{"rows": 42}');
    expect(run).toMatchObject({ code: 0, stdout: 'recorded an event of s3://lake/orders\n' });
    const [event] = await new LocalAssetEvents(project.storeDir).events();
    expect(event).toEqual({
      id: expect.any(String),
      uri: 's3://lake/orders',
      timestamp: expect.any(String),
      extra: { rows: 42 },
    });
  });

  it('records, for an S3 Object Created event, what the rule would hand the trigger (sequencer included)', async () => {
    const file = join(project.dir, 's3-event.json');
    await writeFile(
      file,
      JSON.stringify({
        id: 'ev-1',
        time: '2026-12-07T10:00:00Z',
        source: 'aws.s3',
        'detail-type': 'Object Created',
        detail: {
          bucket: { name: 'watch-lake' },
          object: { key: 'landing/a.csv', size: 4, etag: 'e', sequencer: '01' },
        },
      }),
    );
    const run = await project.airstep('assets', 'emit', file, '--dags', FIXTURE, '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      matched: [{ uri: 's3://watch-lake/landing/', watcher: 's3-object-created' }],
      recorded: [
        {
          uri: 's3://watch-lake/landing/',
          timestamp: '2026-12-07T10:00:00Z',
          watcher: 's3-object-created',
          extra: { bucket: 'watch-lake', key: 'landing/a.csv', size: 4, etag: 'e', sequencer: '01' },
        },
      ],
    });
  });

  it('refuses what it cannot record, saying why, and records nothing', async () => {
    const before = await project.storeFiles();
    const refused = async (...args: string[]) => {
      const run = await project.airstep('assets', 'emit', ...args);
      expect(run.code).toBe(2);
      return run.stderr.trim();
    };
    expect(await refused('--uri', 'lake/orders')).toBe(
      "asset URI 'lake/orders' has no scheme: write it as <scheme>://<path>, e.g. s3://bucket/prefix",
    );
    expect(await refused('--uri', 's3://a/b', '--extra', '[1]')).toBe(
      '--extra must be a JSON object, e.g. {"rows": 42}',
    );
    expect(await refused()).toBe('give an event file (or - for stdin), or --uri <uri>');
    const noSource = join(project.dir, 'no-source.json');
    await writeFile(noSource, '{"detail": {}}');
    expect(await refused(noSource, '--dags', FIXTURE)).toBe(
      'the event needs a source and a detail-type (Source and DetailType in a PutEvents entry)',
    );
    const s3WithoutKey = join(project.dir, 'bad-s3.json');
    await writeFile(
      s3WithoutKey,
      JSON.stringify({
        source: 'aws.s3',
        'detail-type': 'Object Created',
        detail: { bucket: { name: 'watch-lake' }, object: { key: 'landing/x' } },
      }),
    );
    expect(await refused(s3WithoutKey, '--dags', FIXTURE)).toBe(
      'the event matches a watcher but the event has no detail.object.size (needed for extra_size)',
    );
    expect(await project.storeFiles()).toEqual(before);
  });
});
