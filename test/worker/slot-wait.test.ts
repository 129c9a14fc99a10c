import { describe, expect, it } from 'vitest';
import { slotWaitMs } from '../../lib/worker/worker-run.ts';

describe('Function: slotWaitMs', () => {
  it('waits 1 s, then doubles up to 10 s, for a try without a heartbeat', () => {
    expect([0, 1, 2, 3, 4, 5, 40].map((round) => slotWaitMs(round, undefined))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
  });

  it('never waits longer than a third of the heartbeat, nor less than 1 s', () => {
    expect([0, 1, 2, 3].map((round) => slotWaitMs(round, 6))).toEqual([1000, 2000, 2000, 2000]);
    expect([0, 1, 2].map((round) => slotWaitMs(round, 2))).toEqual([1000, 1000, 1000]);
  });
});
