import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { withChildOwnRecords } from '../../lib/runs/child-failure-records.ts';
import { taskRecords } from '../../lib/runs/run-records.ts';

/** The record the parent gives each task of a child that ended on its own (lib/compiler/child-failure-states.ts). */
const given = {
  state: 'failed',
  output: null,
  error: { Error: 'States.TaskFailed', Cause: 'the child state machine part-01 of this run failed …' },
  childEnded: 'part-01',
};

const exit = (id: number, tasks: Record<string, unknown>): HistoryEvent =>
  ({
    id,
    type: 'TaskStateExited',
    stateExitedEventDetails: { name: `s${id}`, output: JSON.stringify({ ctx: {}, tasks, gates: {} }) },
  }) as HistoryEvent;

describe('Function: withChildOwnRecords', () => {
  it("keeps what the dead child's tasks ended as in its history; a task with no end of its own stays failed", () => {
    // The parent's last payload: `extract` and `load` of the dead child, `report` of a child that succeeded.
    const payload = {
      ctx: {},
      tasks: { extract: given, load: given, load_2: given, report: { state: 'upstream_failed', output: null } },
    };
    const child: HistoryEvent[] = [
      exit(4, { extract: { state: 'success', output: 3, try: 1 } }),
      // A task's record while it was being caught (no state yet) is no end of its own.
      exit(7, { extract: { state: 'success', output: 3, try: 1 }, load: { Error: 'X' } }),
      // Another child's history names `report` too: only tasks the parent gave the child's failure are replaced.
    ];
    const other: HistoryEvent[] = [exit(3, { report: { state: 'success', output: 'never read' } })];
    const tasks = withChildOwnRecords(taskRecords(payload, { load_2: 'load.2' }), payload, [child, other], {
      load_2: 'load.2',
    });
    expect(tasks.map((task) => [task.taskId ?? task.key, task.state, task.error])).toEqual([
      ['extract', 'success', undefined],
      ['load', 'failed', 'States.TaskFailed'],
      ['load.2', 'failed', 'States.TaskFailed'],
      ['report', 'upstream_failed', undefined],
    ]);
    expect(tasks[0]!.try).toBe(1);
  });

  it('changes nothing when no child ended on its own', () => {
    const payload = { ctx: {}, tasks: { a: { state: 'failed', output: null, error: { Error: 'E', Cause: 'c' } } } };
    const history = [exit(2, { a: { state: 'success', output: 1 } })];
    expect(withChildOwnRecords(taskRecords(payload), payload, [history])).toEqual(taskRecords(payload));
  });
});
