import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import type { SplitThresholds } from '../../lib/compiler/machine-split.ts';
import type { ExecutionEvent } from '../../lib/local/interpreter.ts';
import { runDagLocally } from '../../lib/local/run-dag.ts';
import { clearPlan } from '../../lib/runs/clear-plan.ts';
import { type Dag, dag } from '../../lib/sdk/dag.ts';
import type { DependencyNode } from '../../lib/sdk/task-ref.ts';
import { manualContext } from '../helpers/run-context.ts';

/** Two children: the `ingest` group with `independent`, and the tasks downstream of the group. */
const TWO_CHILDREN: SplitThresholds = { definitionBytes: 12_000, historyEvents: 1_000_000 };

/**
 * A child whose execution fails on its own: `each` expands over an object, an error no Catch takes
 * (`States.Runtime`), so the child execution fails, not a task in it. `each` starts only once every other task of
 * its child has ended, so which tasks ended before the child died is fixed.
 */
function childDiesDag(fixedListing: { fixed: boolean } = { fixed: false }): Dag {
  const d = dag({ id: 'split_child_dies' });
  let each!: DependencyNode;
  let listed!: DependencyNode;
  let check!: DependencyNode;
  const independent = d.task('independent', async () => 'ran');
  d.group('ingest', (g) => {
    const listing = g.task('listing', async () =>
      fixedListing.fixed ? ['a.csv'] : ({ files: ['a.csv'] } as unknown as string[]),
    );
    listed = g.task('listed', async () => 'listed').after(listing);
    each = g.expand('each', { over: listing }, async (_ctx, file: string) => file).after(listed, independent);
    check = g.task('check', async () => 'never').after(each);
  });
  d.task('report', async () => 'never').after(each);
  d.task('audit', async () => 'audited').after(listed);
  d.task('cleanup', { triggerRule: 'all_done' }, async () => 'cleaned').after(check);
  d.task('page', { triggerRule: 'one_failed' }, async () => 'paged').after(each);
  return d;
}

describe('Local engine: a split run whose child execution fails on its own', () => {
  it('ends with every task explained: ended tasks keep their records, the rest of the child failed, other children decide by their trigger rules', async () => {
    const d = childDiesDag();
    const compiled = compileDag(d, { splitAt: TWO_CHILDREN });
    expect(compiled.problems).toEqual([]);
    expect(compiled.children?.map((child) => child.taskIds)).toEqual([
      ['independent', 'ingest.check', 'ingest.each', 'ingest.listed', 'ingest.listing'],
      ['audit', 'cleanup', 'page', 'report'],
    ]);
    const events: ExecutionEvent[] = [];
    const { execution, tasks } = await runDagLocally({
      dag: d,
      ctx: manualContext(d),
      splitAt: TWO_CHILDREN,
      onEvent: (event) => events.push(event),
    });

    // The first child failed as an execution; the parent went on and ended as one machine decides.
    const childEnds = events.filter((event) => event.type === 'ExecutionFailed');
    expect(childEnds.length).toBeGreaterThanOrEqual(1);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('DagRunFailed');

    const by = Object.fromEntries(tasks.map((task) => [task.taskId, task]));
    expect(Object.fromEntries(tasks.map((task) => [task.taskId, task.state]))).toEqual({
      independent: 'success',
      'ingest.listing': 'success',
      'ingest.listed': 'success',
      // Running when its child died, and never reached: failed, with the child's error.
      'ingest.each': 'failed',
      'ingest.check': 'failed',
      // In the other child: the gates on the dead child's tasks were released as failed.
      report: 'upstream_failed',
      page: 'success',
      cleanup: 'success',
      // `listed` signalled its success before the child died: the release did not overwrite it.
      audit: 'success',
    });
    expect(by['ingest.listed']!.output).toBe('listed');
    expect(by.audit!.output).toBe('audited');
    expect(by.page!.output).toBe('paged');
    for (const id of ['ingest.each', 'ingest.check']) {
      expect(by[id]!.error).toBe('States.TaskFailed');
      expect(by[id]!.reason).toMatch(
        /^the child state machine part-01 ended before this task did: FAILED: States\.Runtime: Map state 'ingest\.each'/,
      );
    }
    expect(tasks.filter((task) => task.state === 'running' || task.state === 'none')).toEqual([]);
  });

  it('clears a task of the dead child and its downstream tasks in every child, keeping the rest, and the run succeeds', async () => {
    // As `airstep clear --task ingest.listing --downstream` does: the plan from the ended run's instances, then a
    // new execution of the split machines with `ctx.clear` (kept tasks answered with what they ended as).
    const fixed = { fixed: false };
    const d = childDiesDag(fixed);
    const first = await runDagLocally({ dag: d, ctx: manualContext(d), splitAt: TWO_CHILDREN });
    expect(first.execution.status).toBe('FAILED');
    const plan = clearPlan({
      manifest: compileDag(d).manifest!,
      instances: first.tasks,
      choice: { task: /^ingest\.listing$/, downstream: true },
      previousClears: 0,
    });
    if (!plan.ok) throw new Error(plan.message);
    expect(plan.cleared).toEqual([
      'audit',
      'cleanup',
      'ingest.check',
      'ingest.each',
      'ingest.listed',
      'ingest.listing',
      'page',
      'report',
    ]);
    fixed.fixed = true;
    const cleared = await runDagLocally({
      dag: d,
      ctx: { ...manualContext(d), clear: plan.clear },
      splitAt: TWO_CHILDREN,
    });
    expect(cleared.execution.status).toBe('SUCCEEDED');
    expect(Object.fromEntries(cleared.tasks.filter((t) => t.mapIndex === -1).map((t) => [t.taskId, t.state]))).toEqual({
      independent: 'success',
      'ingest.listing': 'success',
      'ingest.listed': 'success',
      'ingest.each': 'success',
      'ingest.check': 'success',
      report: 'success',
      audit: 'success',
      cleanup: 'success',
      // one_failed with no upstream failed: skipped, as in Airflow.
      page: 'skipped',
    });
    // The kept task was not run again: its one try is the first run's.
    expect(cleared.tries.map((t) => t.taskId)).not.toContain('independent');
  });
});
