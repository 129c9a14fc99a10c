import { dag } from 'airstep';

/**
 * Trigger rules Airflow decides before every upstream task has ended. `publish` (one_success) starts as soon as
 * either mirror has the file, without waiting for the slower one; `page_on_call` (one_failed) would start as soon as
 * either failed, and is skipped once both succeeded; `verify_backup` still follows the backup mirror by its own rule.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const d = dag({ id: 'first_to_finish', description: 'publish from whichever mirror answers first', tags: ['example'] });

const primary = d.task('fetch_primary', async (ctx) => `primary copy of ${ctx.ds}`);
const backup = d.task('fetch_backup', async (ctx) => {
  await sleep(2000);
  return `backup copy of ${ctx.ds}`;
});
d.task('publish', { upstream: [primary, backup], triggerRule: 'one_success' }, async (ctx) => `published ${ctx.ds}`);
d.task('page_on_call', { upstream: [primary, backup], triggerRule: 'one_failed' }, async () => 'paged');
d.task('verify_backup', { upstream: backup }, async () => 'backup verified');

export default d;
