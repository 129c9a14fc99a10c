import { describe, expect, it } from 'vitest';
import type { ExecutionEvent } from '../../lib/local/interpreter.ts';
import { runDagLocally } from '../../lib/local/run-dag.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * The write of a no-worker task's record (lib/compiler/task-instance-write.ts) in the local engine: the engine
 * answers it itself (lib/local/task-instance-writes.ts), with no AWS or emulator configured, once per task, after
 * the task's record is in the payload (the engine has then recorded the task's end), and never as a failure that
 * its Catch would hide behind retries.
 */
describe('Local engine: the task-instance write of a task no worker runs', () => {
  it('is answered at once for each such task, after the task ended, with no AWS configured', async () => {
    // Prepare: an empty task, a wait, and a task skipped by its trigger rule (its not-run record is written too).
    const d = dag({ id: 'local_writes', schedule: null });
    const start = d.empty('start');
    const pause = d.wait('pause', { duration: '1 second', upstream: start });
    d.empty('only_on_failure', { upstream: pause, triggerRule: 'all_failed' });
    const events: ExecutionEvent[] = [];

    // Act
    const result = await runDagLocally({ dag: d, ctx: manualContext(d), onEvent: (event) => events.push(event) });

    // Assess
    expect(result.execution.status).toBe('SUCCEEDED');
    const writes = events.filter((event) => event.stateName?.endsWith(':recorded'));
    for (const id of ['start', 'pause', 'only_on_failure']) {
      const own = writes.filter((event) => event.stateName === `${id}:recorded`);
      expect(own.map((event) => event.type)).toEqual(['StateEntered', 'TaskScheduled', 'TaskSucceeded', 'StateExited']);
      // Its parameters carry the state the task's record ended in.
      const scheduled = own.find((event) => event.type === 'TaskScheduled') as { input?: Record<string, unknown> };
      const values = scheduled.input?.ExpressionAttributeValues as Record<string, { S?: string }>;
      const instance = result.tasks.find((task) => task.taskId === id)!;
      expect(values[':s']?.S).toBe(instance.state);
      expect(values[':t']?.S).toBe(id);
    }
    expect(Object.fromEntries(result.tasks.map((task) => [task.taskId, task.state]))).toEqual({
      start: 'success',
      pause: 'success',
      only_on_failure: 'skipped',
    });
    // Nothing failed or was retried: the write was answered, not dropped by its Catch.
    expect(events.filter((event) => event.type === 'TaskFailed' || event.type === 'TaskRetrying')).toEqual([]);
  });
});
