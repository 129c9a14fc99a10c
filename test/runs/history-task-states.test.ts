import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { taskStatesFromHistory } from '../../lib/runs/history-task-states.ts';

const exit = (id: number, tasks: Record<string, unknown>): HistoryEvent => ({
  id,
  type: 'PassStateExited',
  timestamp: new Date(0),
  stateExitedEventDetails: { name: `s${id}`, output: JSON.stringify({ ctx: {}, tasks, gates: {} }) },
});

describe('task states from a running execution’s history', () => {
  it('keeps the newest record of each task over every branch’s exits, by event id', () => {
    const events = [
      exit(7, { start: { state: 'success' }, check: { state: 'skipped' } }),
      exit(3, { start: { state: 'success' } }),
      exit(9, { start: { state: 'success' }, load: { state: 'failed', try: 2, error: { Error: 'Boom' } } }),
      exit(11, { start: { state: 'success' }, publish: { state: 'upstream_failed' }, later: null }),
    ];
    expect(taskStatesFromHistory(events)).toEqual([
      { key: 'start', state: 'success' },
      { key: 'check', state: 'skipped' },
      { key: 'load', state: 'failed', try: 2, error: 'Boom' },
      { key: 'publish', state: 'upstream_failed' },
    ]);
  });

  it('names a task by its id where its payload key differs', () => {
    expect(taskStatesFromHistory([exit(1, { k0: { state: 'success' } })], { k0: 'odd-id' })).toEqual([
      { key: 'k0', taskId: 'odd-id', state: 'success' },
    ]);
  });
});
