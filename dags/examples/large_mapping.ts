import { dag } from 'airstep';

/**
 * Mapping at scale: `list_objects` returns one entry per object to process (200 by default; a real run gives
 * `objects` in its conf: 100,000, say) and `process_object` maps over them. Each inline item writes 8 events in
 * the run's Step Functions history, which holds 25,000, so `expectedItems: 100_000` makes `compile` run the
 * mapping as a Distributed Map: each item a child execution with its own history, the list read from S3, the
 * results written to S3, at most 500 items at once, up to 1% of them allowed to fail. `summarize` gets every
 * item's result in order (`null` for an item that failed).
 */
const large = dag({
  id: 'large_mapping',
  schedule: null,
  tags: ['example'],
  params: { objects: { type: 'integer', default: 200, minimum: 1, maximum: 100_000 } },
});

const objects = large.task('list_objects', async (ctx) =>
  Array.from({ length: ctx.params.objects }, (_, index) => ({ key: `incoming/${ctx.ds}/part-${index}.json`, index })),
);

const processed = large.expand(
  'process_object',
  { over: objects, expectedItems: 100_000, maxMapConcurrency: 500, toleratedFailurePercentage: 1, retries: 2 },
  async (_ctx, object) => ({ key: object.key, bytes: 1000 + (object.index % 97) }),
);

large.task('summarize', { inputs: { processed } }, async (_ctx, { processed }) => {
  const done = processed.filter((result) => result !== null);
  return { objects: processed.length, processed: done.length, bytes: done.reduce((sum, r) => sum + r.bytes, 0) };
});

export default large;
