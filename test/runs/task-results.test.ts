import { describe, expect, it } from 'vitest';
import { taskResults } from '../../lib/runs/task-results.ts';

describe('taskResults: what each task instance returned, from a run payload', () => {
  it("keys task records by id (payload keys mapped back), a mapped task's items by index, and leaves out what returned nothing", () => {
    const payload = {
      ctx: { dagId: 'd' },
      tasks: {
        extract: { state: 'success', try: 1, output: { rows: 3 } },
        t_1: { state: 'success', try: 2, output: 'renamed' },
        each: { state: 'success', count: 3, anyFailed: false, output: [1, null, 3] },
        failed: { state: 'failed', output: null, error: { Error: 'Boom' } },
        skipped: { state: 'skipped' },
        never: null,
      },
    };
    const results = taskResults(payload, { t_1: 'load.daily' });
    expect([...results]).toEqual([
      ['extract#-1', { rows: 3 }],
      ['load.daily#-1', 'renamed'],
      ['each#-1', [1, null, 3]],
      ['each#0', 1],
      ['each#2', 3],
    ]);
  });

  it('reads nothing from a payload without tasks', () => {
    expect(taskResults(null).size).toBe(0);
    expect(taskResults({ ctx: {} }).size).toBe(0);
  });
});
