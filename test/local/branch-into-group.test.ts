import { describe, expect, it } from 'vitest';
import { Clock } from '../../lib/local/clock.ts';
import { runDagLocally, type TaskInstance } from '../../lib/local/run-dag.ts';
import { ProcessWorkerPool } from '../../lib/local/worker-pool.ts';
import { dag } from '../../lib/sdk/dag.ts';
import branchGroup from '../fixtures/local/branch_group.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * A branch whose downstream is a task group: the compiled branch follows the group's first tasks (the IR resolves
 * task → group edges to task → task edges), and the worker checks the branch's answer against the same targets,
 * read from the manifest. Once, the worker read the authored DAG instead and refused `'g.first'`.
 */
const states = (tasks: TaskInstance[]) =>
  Object.fromEntries(tasks.filter((task) => task.mapIndex < 0).map((task) => [task.taskId, task.state]));

function branchIntoGroup(answer: () => string) {
  const d = dag({ id: 'branch_into_group' });
  const group = d.group('g', (g) => {
    g.task('first', async () => 1).then(g.task('second', async () => 2));
  });
  const choose = d.branch('choose', async () => answer());
  choose.then([group, d.task('other', async () => 3)]);
  return d;
}

const run = (d: ReturnType<typeof dag>) =>
  runDagLocally({ dag: d, ctx: manualContext(d), clock: new Clock({ speed: 1000 }) });

describe('a branch into a task group, in the local engine', () => {
  it("follows the group when the branch returns its first task's id; the other path is skipped", async () => {
    const { execution, tasks } = await run(branchIntoGroup(() => 'g.first'));
    expect(execution.status).toBe('SUCCEEDED');
    expect(states(tasks)).toEqual({ choose: 'success', 'g.first': 'success', 'g.second': 'success', other: 'skipped' });
  });

  it("follows the group when the branch returns the group's id, as Airflow does", async () => {
    const { execution, tasks } = await run(branchIntoGroup(() => 'g'));
    expect(execution.status).toBe('SUCCEEDED');
    expect(states(tasks)).toEqual({ choose: 'success', 'g.first': 'success', 'g.second': 'success', other: 'skipped' });
  });

  it('fails the branch, naming its targets, when it returns something downstream of it only indirectly', async () => {
    const { execution, tasks } = await run(branchIntoGroup(() => 'g.second'));
    expect(execution.status).toBe('FAILED');
    const choose = tasks.find((task) => task.taskId === 'choose');
    expect(choose).toMatchObject({ state: 'failed', error: 'NonRetryableError' });
  });

  it('runs the same in worker processes, from a DAG file', async () => {
    const pool = new ProcessWorkerPool({ file: 'test/fixtures/local/branch_group.ts', dagId: branchGroup.id, size: 2 });
    try {
      const { execution, tasks } = await runDagLocally({
        dag: branchGroup,
        ctx: manualContext(branchGroup),
        runTry: pool.run,
      });
      expect(execution.status).toBe('SUCCEEDED');
      expect(states(tasks)).toEqual({
        choose: 'success',
        'g.first': 'success',
        'g.second': 'success',
        other: 'skipped',
      });
    } finally {
      await pool.close();
    }
  });
});
