import { dag } from 'airstep';

/**
 * Dynamic task mapping: `list_partitions` returns a list, `process_partition` runs once per item (at most three
 * at a time), and `combine` receives every item's result in order.
 */
const mapping = dag({ id: 'dynamic_mapping', schedule: '@hourly', startDate: '2026-11-01', tags: ['example'] });

const partitions = mapping.task('list_partitions', async (ctx) =>
  ['eu-west', 'eu-central', 'us-east', 'ap-south'].map((region) => ({ region, hour: ctx.ts.slice(0, 13) })),
);

const processed = mapping.expand(
  'process_partition',
  { over: partitions, partial: { multiplier: 10 }, maxMapConcurrency: 3, retries: 1, retryDelay: '5s' },
  async (ctx, item, inputs) => ({
    region: item.region,
    rows: item.region.length * Number(inputs.multiplier),
    index: ctx.mapIndex,
  }),
);

mapping.task('combine', { inputs: { processed } }, async (_ctx, { processed }) => ({
  partitions: processed.length,
  rows: processed.reduce((sum, part) => sum + part.rows, 0),
}));

/** Mapping over a literal list needs no upstream task. */
mapping.expand('notify_channels', { over: ['email', 'chat'] }, async (_ctx, channel: string) => `notified ${channel}`);

export default mapping;
