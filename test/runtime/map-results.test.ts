import { describe, expect, it } from 'vitest';
import { isMapResultsRef, readMapResults } from '../../lib/runtime/map-results.ts';
import { resolveRefs, type XComStore } from '../../lib/runtime/xcom.ts';

/** S3 objects by URI, as a worker's XCom store reads them. */
function storeOf(objects: Record<string, unknown>): XComStore {
  return {
    put: async () => {
      throw new Error('not written here');
    },
    get: async (uri) => {
      if (!(uri in objects)) throw new Error(`NoSuchKey: ${uri}`);
      return JSON.stringify(objects[uri]);
    },
  };
}

// As Step Functions writes them: entries carry Input/Output as JSON text, files are split by status and not in
// item order, a failed child has Error/Cause and no Output.
const child = (index: number, output: unknown, state = 'success') => ({
  ExecutionArn: `arn:aws:states:us-east-1:111122223333:execution:airstep-etl/each:${index}`,
  Input: JSON.stringify({ index, item: index }),
  InputDetails: { Included: true },
  Output: JSON.stringify({ index, state, try: 1, output }),
  OutputDetails: { Included: true },
  Status: 'SUCCEEDED',
});
const manifestUri = 's3://stack-bucket/xcom/map-results/etl/each/run-1/manifest.json';
const objects = {
  [manifestUri]: {
    DestinationBucket: 'stack-bucket',
    MapRunArn: 'arn:aws:states:us-east-1:111122223333:mapRun:airstep-etl/each:run-1',
    ResultFiles: {
      FAILED: [{ Key: 'xcom/map-results/etl/each/run-1/FAILED_0.json', Size: 10 }],
      PENDING: [],
      SUCCEEDED: [
        { Key: 'xcom/map-results/etl/each/run-1/SUCCEEDED_0.json', Size: 10 },
        { Key: 'xcom/map-results/etl/each/run-1/SUCCEEDED_1.json', Size: 10 },
      ],
    },
  },
  's3://stack-bucket/xcom/map-results/etl/each/run-1/SUCCEEDED_0.json': [child(3, 'd'), child(0, 'a')],
  's3://stack-bucket/xcom/map-results/etl/each/run-1/SUCCEEDED_1.json': [
    child(1, { xcomRef: 's3://stack-bucket/xcom/etl/r/each/1/try-1.json', bytes: 20 }),
    child(4, null, 'skipped'),
  ],
  's3://stack-bucket/xcom/map-results/etl/each/run-1/FAILED_0.json': [
    { Input: JSON.stringify({ index: 2 }), Status: 'FAILED', Error: 'ValueError', Cause: 'bad item' },
  ],
  's3://stack-bucket/xcom/etl/r/each/1/try-1.json': { large: 'b' },
};

describe("Function: readMapResults (a Distributed Map's ResultWriter output)", () => {
  it('lists every item in item order, null for a failed or skipped item', async () => {
    const store = storeOf(objects);
    expect(await readMapResults(manifestUri, (uri) => store.get(uri))).toEqual([
      'a',
      { xcomRef: 's3://stack-bucket/xcom/etl/r/each/1/try-1.json', bytes: 20 },
      null,
      'd',
      null,
    ]);
  });

  it('is resolved by a worker as an XCom reference is, the large item results too', async () => {
    const ref = { mapResults: manifestUri };
    expect(isMapResultsRef(ref)).toBe(true);
    expect(isMapResultsRef({ mapResults: manifestUri, other: 1 })).toBe(false);
    expect(await resolveRefs(ref, storeOf(objects))).toEqual(['a', { large: 'b' }, null, 'd', null]);
  });

  it('says which manifest it could not read', async () => {
    await expect(resolveRefs({ mapResults: 's3://stack-bucket/missing.json' }, storeOf({}))).rejects.toThrow(
      'cannot read the mapped results at s3://stack-bucket/missing.json: NoSuchKey: s3://stack-bucket/missing.json',
    );
  });
});
