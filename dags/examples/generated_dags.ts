import { type Dag, dag } from 'airstep';

/** DAGs generated in a loop: one export per source system, each with the same shape and its own schedule. */
const SOURCES = [
  { name: 'crm', schedule: '0 2 * * *' },
  { name: 'billing', schedule: '30 2 * * *' },
  { name: 'support', schedule: '0 3 * * 1-5' },
] as const;

function sourceDag(source: (typeof SOURCES)[number]): Dag {
  const d = dag({
    id: `ingest_${source.name}`,
    schedule: source.schedule,
    startDate: '2026-11-01',
    timezone: 'America/New_York',
    tags: ['example', 'generated'],
    defaultArgs: { retries: 1 },
  });
  const extract = d.task('extract', async (ctx) => ({ source: source.name, ds: ctx.ds }));
  const load = d.task('load', { inputs: { extract } }, async (_ctx, { extract }) => `${extract.source} loaded`);
  extract.then(load);
  return d;
}

export const generated = SOURCES.map(sourceDag);
