import { dag } from '../../../lib/sdk/dag.ts';
import { fail, runFunction } from '../harness/behaviour.ts';
import type { DifferentialCase } from '../harness/case.ts';

/**
 * Setup / teardown tasks and the mapping kinds Airflow users expect (a cross product of named lists,
 * `expandKwargs`): the same compiled ASL on the local engine and an emulator.
 */
export function setupMappingCases(): DifferentialCase[] {
  const teardownAfterFailure = dag({ id: 'diff_teardown_after_failure' });
  const create = teardownAfterFailure.task('create', { setup: true }, async () => 'cluster-1');
  const query = teardownAfterFailure.task('query', { upstream: create }, async () => 'rows');
  teardownAfterFailure.task('delete', { upstream: query, teardown: { setups: create } }, async () => 'deleted');

  const teardownFails = dag({ id: 'diff_teardown_fails' });
  const open = teardownFails.task('open', { setup: true }, async () => 'session');
  const work = teardownFails.task('work', { upstream: open }, async () => 'worked');
  teardownFails.task('close', { upstream: work, teardown: { setups: open } }, async () => 'closed');

  const setupFails = dag({ id: 'diff_setup_fails' });
  const provision = setupFails.task('provision', { setup: true }, async () => 'vm');
  const use = setupFails.task('use', { upstream: provision }, async () => 'used');
  setupFails.task('release', { upstream: use, teardown: { setups: provision } }, async () => 'released');

  const sideBySide = dag({ id: 'diff_teardown_parallel_work' });
  const bucket = sideBySide.task('make_bucket', { setup: true }, async () => 'bucket');
  const copy = sideBySide.task('copy', { upstream: bucket }, async () => 'copied');
  const index = sideBySide.task('index', { upstream: bucket }, async () => 'indexed');
  sideBySide.task('drop_bucket', { upstream: [copy, index], teardown: { setups: bucket } }, async () => 'dropped');

  const cross = dag({ id: 'diff_cross_product' });
  const regions = cross.task('regions', async () => ['eu', 'us']);
  const pair = cross.expand(
    'pair',
    { over: { region: regions, size: ['s', 'm', 'l'] } },
    async (_ctx, { region, size }) => `${region}-${size}`,
  );
  cross.task('collect', { inputs: { pair } }, async (_ctx, { pair }) => pair.join(','));

  const kwargs = dag({ id: 'diff_expand_kwargs' });
  const jobs = kwargs.task('jobs', async () => [{ table: 'a' }, { table: 'b', mode: 'full' }]);
  const load = kwargs.expandKwargs(
    'load',
    { over: jobs, partial: { mode: 'append' } },
    async (ctx, args) => `${ctx.mapIndex}:${args.table}:${args.mode}`,
  );
  kwargs.task('collect', { inputs: { load } }, async (_ctx, { load }) => load.join(','));

  return [
    {
      name: 'setup/teardown: the teardown runs after failed work; the run fails for the work only',
      dag: teardownAfterFailure,
      behaviours: { query: fail() },
      expected: {
        status: 'FAILED',
        error: 'DagRunFailed',
        tasks: {
          create: { state: 'success' },
          query: { state: 'failed', error: 'Error' },
          delete: { state: 'success' },
        },
      },
    },
    {
      name: 'setup/teardown: a failed teardown leaves the run successful',
      dag: teardownFails,
      behaviours: { close: fail() },
      expected: {
        status: 'SUCCEEDED',
        tasks: { open: { state: 'success' }, work: { state: 'success' }, close: { state: 'failed', error: 'Error' } },
      },
    },
    {
      name: 'setup/teardown: a failed setup makes its work and teardown upstream_failed',
      dag: setupFails,
      behaviours: { provision: fail() },
      expected: {
        status: 'FAILED',
        error: 'DagRunFailed',
        tasks: {
          provision: { state: 'failed', error: 'Error' },
          use: { state: 'upstream_failed' },
          release: { state: 'upstream_failed' },
        },
      },
    },
    {
      name: 'setup/teardown: the teardown waits for work running side by side, one of which fails',
      dag: sideBySide,
      behaviours: { copy: fail() },
      expected: {
        status: 'FAILED',
        error: 'DagRunFailed',
        tasks: {
          make_bucket: { state: 'success' },
          copy: { state: 'failed', error: 'Error' },
          index: { state: 'success' },
          drop_bucket: { state: 'success' },
        },
      },
      before: [
        ['copy:end', 'drop_bucket:start'],
        ['index:end', 'drop_bucket:start'],
      ],
    },
    {
      name: 'expand over named lists: the cross product, in Airflow map index order',
      dag: cross,
      behaviours: { regions: runFunction(), pair: runFunction(), collect: runFunction() },
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          regions: { state: 'success', output: ['eu', 'us'] },
          pair: { state: 'success', output: ['eu-s', 'eu-m', 'eu-l', 'us-s', 'us-m', 'us-l'] },
          collect: { state: 'success' },
        },
      },
    },
    {
      name: 'expandKwargs: one item per argument object, over the partial arguments',
      dag: kwargs,
      behaviours: { jobs: runFunction(), load: runFunction(), collect: runFunction() },
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          jobs: { state: 'success' },
          load: { state: 'success', output: ['0:a:append', '1:b:full'] },
          collect: { state: 'success' },
        },
      },
    },
  ];
}
