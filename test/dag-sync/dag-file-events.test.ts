import { describe, expect, it } from 'vitest';
import { dagFileChanges } from '../../lib/dag-sync/dag-file-change.ts';
import { orderKey } from '../../lib/dag-sync/s3-event-order.ts';

describe('S3 event order', () => {
  it('compares sequencers of different lengths by right-padding the shorter with zeros', () => {
    expect(orderKey('0055AED6DCD90281E5') < orderKey('0055AED6DCD90281E6')).toBe(true);
    expect(orderKey('0055AED6DCD90281E6') < orderKey('0055AED6DCD90281E5')).toBe(false);
    // 0055AED6DCD9028200 (padded) comes after 0055AED6DCD90281E5.
    expect(orderKey('0055AED6DCD90282') > orderKey('0055AED6DCD90281E5')).toBe(true);
    expect(orderKey('0055aed6dcd90281e5')).toBe(orderKey('0055AED6DCD90281E5'));
    expect(orderKey('ab')).toBe(`AB${'0'.repeat(62)}`);
    expect(() => orderKey('xyz')).toThrow("S3 event sequencer 'xyz' is not hexadecimal");
  });
});

describe('dagFileChanges', () => {
  it('reads created and removed DAG files with their sequencer and version, and nothing else', () => {
    const body = JSON.stringify({
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: {
            bucket: { name: 'b' },
            object: { key: 'dags/my+pipeline%C3%A9.ts', sequencer: '0A1', versionId: 'v1' },
          },
        },
        { eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: 'b' }, object: { key: 'dags/old.mjs' } } },
        { eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: 'dags/types.d.ts' } } },
        { eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: 'dags/readme.md' } } },
      ],
    });
    expect(dagFileChanges(body)).toEqual([
      { kind: 'created', bucket: 'b', key: 'dags/my pipelineé.ts', sequencer: '0A1', versionId: 'v1' },
      { kind: 'removed', bucket: 'b', key: 'dags/old.mjs' },
    ]);
    expect(dagFileChanges(JSON.stringify({ Event: 's3:TestEvent' }))).toEqual([]);
  });
});
