import { describe, expect, it } from 'vitest';
import { renderGrid } from '../../lib/cli/render-grid.ts';

describe('renderGrid', () => {
  const rows = [
    { task: 'extract', state: 'success', tries: 1, start: '2026-11-22T00:00:01.000Z', durationMs: 250 },
    {
      task: 'load',
      state: 'failed',
      tries: 2,
      start: '2026-11-22T00:00:02.000Z',
      durationMs: 1500,
      reason: 'Error: the warehouse refused the rows\n    at load (/p/dags/etl.ts:4:9)',
    },
  ];

  it('adds a reason column, one line per task, only when a task has a reason', () => {
    expect(renderGrid(rows).split('\n')).toEqual([
      'task     state    tries  start         duration  reason',
      'extract  success  1      00:00:01.000  250ms',
      'load     failed   2      00:00:02.000  1.50s     Error: the warehouse refused the rows at load (/p/dags/etl.ts:4:9)',
      '',
    ]);
    expect(renderGrid(rows.slice(0, 1)).split('\n')[0]).toBe('task     state    tries  start         duration');
  });

  it('cuts every line to the terminal width, marking the cut', () => {
    const lines = renderGrid(rows, undefined, 60).split('\n');
    expect(lines[2]).toBe('load     failed   2      00:00:02.000  1.50s     Error: the…');
    expect(lines.every((line) => line.length <= 60)).toBe(true);
  });
});
