import { describe, expect, it } from 'vitest';
import { admitRun, queuedRunsToStart } from '../../lib/runs/run-admission.ts';

describe('admitRun', () => {
  it('starts a new run while fewer than maxActiveRuns runs are running', () => {
    expect(admitRun(undefined, 0, 1)).toEqual({ action: 'start' });
    expect(admitRun(undefined, 15, 16)).toEqual({ action: 'start' });
  });

  it('queues a new run when maxActiveRuns runs are running (or more, after maxActiveRuns was lowered)', () => {
    expect(admitRun(undefined, 1, 1)).toEqual({ action: 'queue', activeRuns: 1 });
    expect(admitRun(undefined, 5, 3)).toEqual({ action: 'queue', activeRuns: 5 });
  });

  it('never starts or queues a run that exists, whatever the room: it reports its state and execution', () => {
    const arn = 'arn:aws:states:us-east-1:1:execution:airstep-d:scheduled__x';
    expect(admitRun({ state: 'running', executionArn: arn }, 0, 16)).toEqual({
      action: 'duplicate',
      state: 'running',
      executionArn: arn,
    });
    expect(admitRun({ state: 'queued', triggeredAt: '2026-11-24T00:00:00Z' }, 9, 1)).toEqual({
      action: 'duplicate',
      state: 'queued',
    });
    expect(admitRun({ state: 'success' }, 0, 1)).toEqual({ action: 'duplicate', state: 'success' });
  });
});

describe('queuedRunsToStart', () => {
  it('starts as many queued runs as there are free places, never more than are queued', () => {
    expect(queuedRunsToStart(0, 1, 3)).toBe(1);
    expect(queuedRunsToStart(1, 4, 2)).toBe(2);
    expect(queuedRunsToStart(2, 4, 5)).toBe(2);
    expect(queuedRunsToStart(1, 1, 3)).toBe(0);
    expect(queuedRunsToStart(4, 2, 3)).toBe(0);
  });
});
