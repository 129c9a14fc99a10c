import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { type Dag, dag, isDag } from '../../lib/index.ts';
import { edgesOf, noop } from './dag-edges.ts';

const SOURCES = [
  { name: 'crm', schedule: '0 2 * * *', tables: ['accounts', 'contacts'] },
  { name: 'billing', schedule: '30 2 * * *', tables: ['invoices'] },
  { name: 'support', schedule: null, tables: ['tickets', 'agents', 'queues'] },
];

function sourceDag(source: (typeof SOURCES)[number]): Dag {
  const d = dag({ id: `ingest_${source.name}`, schedule: source.schedule, startDate: '2026-11-01' });
  const start = d.empty('start');
  const loads = source.tables.map((table) => start.then(d.task(`load_${table}`, noop)));
  d.task('publish', { upstream: loads }, noop);
  return d;
}

describe('DAGs generated in a loop', () => {
  const dags = SOURCES.map(sourceDag);

  it('are independent DAGs, each with its own id, schedule, tasks and edges', () => {
    expect(dags.every(isDag)).toBe(true);
    const compiled = dags.map((d) => compileDag(d));
    expect(compiled.map((result) => [result.ir.dagId, result.ir.schedule.expression, result.problems])).toEqual([
      ['ingest_crm', '0 2 * * *', []],
      ['ingest_billing', '30 2 * * *', []],
      ['ingest_support', null, []],
    ]);
    expect(edgesOf(dags[1]!)).toEqual(['load_invoices -> publish', 'start -> load_invoices']);
    expect(edgesOf(dags[2]!)).toEqual([
      'load_agents -> publish',
      'load_queues -> publish',
      'load_tickets -> publish',
      'start -> load_agents',
      'start -> load_queues',
      'start -> load_tickets',
    ]);
  });

  it('compile to different state machines, and the same DAG always to the same bytes', () => {
    const [crm, billing] = dags.map((d) => compileDag(d).asl!);
    expect(crm).not.toBe(billing);
    expect(compileDag(sourceDag(SOURCES[0]!)).asl).toBe(crm);
  });

  it('share nothing: a task of one loop iteration cannot be used by another', () => {
    const [crm, billing] = SOURCES.map(sourceDag);
    const publishCrm = compileDag(crm!).ir.tasks.find((task) => task.id === 'publish')!;
    billing!.task('after_crm', { upstream: [billing!.empty('marker')] }, noop);
    expect(publishCrm.upstream).toEqual(['load_accounts', 'load_contacts']);
    expect(compileDag(crm!).ir.tasks.map((task) => task.id)).not.toContain('after_crm');
  });
});
