import { dag } from 'airstep';

/**
 * Pools: five extracts share the `warehouse` pool (its slots are held across every run of every DAG), and the
 * heavy one holds two slots. Priority weight decides who goes first when slots are short.
 */
const pools = dag({ id: 'pools', schedule: '@daily', startDate: '2026-11-01', maxActiveTasks: 4, tags: ['example'] });

const tables = ['accounts', 'invoices', 'payments', 'refunds', 'ledger'];
const extracts = tables.map((table) =>
  pools.task(
    `extract_${table}`,
    { pool: 'warehouse', poolSlots: table === 'ledger' ? 2 : 1, priorityWeight: table === 'ledger' ? 10 : 1 },
    async (ctx) => ({ table, ds: ctx.ds, rows: table.length * 100 }),
  ),
);

pools.task('reconcile', { upstream: extracts }, async () => 'reconciled');

export default pools;
