import { dag } from 'airstep';

/**
 * Task groups: ids get the group prefix (`extract.customers`), group defaults apply inside, and a group can be a
 * dependency as a whole (its first tasks downstream, its last tasks upstream).
 */
const groups = dag({ id: 'task_groups', schedule: '@daily', startDate: '2026-11-01', tags: ['example'] });

const start = groups.empty('start');

const extract = groups.group('extract', { defaultArgs: { retries: 3, retryDelay: '10s' } }, (g) => {
  g.task('customers', async () => ['c1', 'c2']);
  g.task('orders', async () => ['o1', 'o2', 'o3']);
});

const transform = groups.group('transform', (g) => {
  const clean = g.task('clean', async () => 'clean');
  g.group('checks', (checks) => {
    checks.task('row_counts', async () => true).after(clean);
    checks.task('nulls', async () => true).after(clean);
  });
});

const publish = groups.task('publish', async () => 'published');

start.then(extract.asNode);
extract.then(transform.asNode);
transform.then(publish);

export default groups;
