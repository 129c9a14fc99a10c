import { describe, expect, it } from 'vitest';
import { runDagLocally } from '../../lib/local/run-dag.ts';
import expandOverObject from '../fixtures/local/expand_over_object.ts';
import { manualContext } from '../helpers/run-context.ts';

describe('Local engine: expand over an upstream that returned no list', () => {
  it('fails the mapped task with States.Runtime naming its state and the type it got; the run ends failed, no task left running', async () => {
    const { execution, tasks } = await runDagLocally({ dag: expandOverObject, ctx: manualContext(expandOverObject) });
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.Runtime');
    expect(tasks.filter((task) => task.state === 'running')).toEqual([]);
    const each = tasks.find((task) => task.taskId === 'each');
    expect(each).toMatchObject({
      state: 'failed',
      error: 'States.Runtime',
      reason:
        "the run failed while it ran: Map state 'each': ItemsPath $.tasks.listing.output does not point to an array (got an object)",
    });
    expect(tasks.find((task) => task.taskId === 'listing')?.state).toBe('success');
  });
});
