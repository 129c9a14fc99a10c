import { dag } from 'airstep';

/**
 * The "N" shape, which no nesting of Parallel states can express exactly: `join` needs `slow` and `fast`, while
 * `after_fast` needs only `fast` and must start as soon as `fast` ends, never waiting for `slow`.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const n = dag({ id: 'non_series_parallel', description: 'slow -> join <- fast -> after_fast', tags: ['example'] });

const slow = n.task('slow', async () => {
  await sleep(3000);
  return 'slow done';
});
const fast = n.task('fast', async () => 'fast done');
n.task('join', { inputs: { slow, fast } }, async (_ctx, inputs) => `${inputs.slow} + ${inputs.fast}`);
n.task('after_fast', { inputs: { fast } }, async (_ctx, inputs) => `after ${inputs.fast}`);

export default n;
