import { dag } from 'airstep';

/**
 * Branching: `choose_path` follows the full or the incremental load depending on the day; the other path is
 * skipped, and `report` runs after whichever ran (none_failed_min_one_success), as in Airflow.
 */
const branching = dag({
  id: 'branching',
  schedule: '0 6 * * *',
  startDate: '2026-11-01',
  timezone: 'Europe/Berlin',
  tags: ['example'],
  params: { forceFull: { type: 'boolean', default: false } },
});

const choose = branching.branch('choose_path', async (ctx) => {
  const sunday = new Date(`${ctx.ds}T00:00:00Z`).getUTCDay() === 0;
  return ctx.params.forceFull || sunday ? 'full_load' : 'incremental_load';
});
const full = branching.task('full_load', async (ctx) => ({ mode: 'full', ds: ctx.ds }));
const incremental = branching.task('incremental_load', async (ctx) => ({ mode: 'incremental', ds: ctx.ds }));
const report = branching.task(
  'report',
  { triggerRule: 'none_failed_min_one_success', inputs: { full, incremental } },
  async (_ctx, inputs) => (inputs.full ?? inputs.incremental)?.mode ?? 'nothing',
);

choose.then([full, incremental]);
report.after(full, incremental);

export default branching;
