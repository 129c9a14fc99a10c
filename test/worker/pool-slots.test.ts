import { describe, expect, it } from 'vitest';
import { fitsPool, heldByExecution, holderTag, supersededTries } from '../../lib/worker/pool-slots.ts';
import { POOL_RETRY_SECONDS, poolRetrySeconds } from '../../lib/worker/worker-run.ts';

const exec = 'arn:aws:states:us-east-1:1:execution:airstep-d:run';
const holder = (taskId: string, tryNumber = 1, mapIndex = -1, executionArn = exec) => ({
  executionArn,
  taskId,
  mapIndex,
  tryNumber,
});

describe('pool semaphore rules', () => {
  it('lets slots in only while the pool keeps within its capacity', () => {
    expect(fitsPool(0, 3, 3)).toBe(true);
    expect(fitsPool(2, 1, 3)).toBe(true);
    expect(fitsPool(2, 2, 3)).toBe(false);
    expect(fitsPool(3, 1, 3)).toBe(false);
  });

  it('tags a holder with its execution, task, map index, try and slots', () => {
    expect(holderTag(holder('load', 2, 4), 3)).toBe(`${exec}|load|4|2|3`);
  });

  it('finds what one execution holds, and not what an execution whose ARN merely starts the same holds', () => {
    const holders = [
      holderTag(holder('a'), 1),
      holderTag(holder('b', 1, 0), 2),
      holderTag(holder('a', 1, -1, `${exec}2`), 5),
    ];
    expect(heldByExecution(holders, exec)).toEqual([
      { tag: holders[0], slots: 1 },
      { tag: holders[1], slots: 2 },
    ]);
  });

  it('lets a new try free the slots earlier tries of the same task instance never gave back (a dead worker)', () => {
    const holders = [
      holderTag(holder('load', 1), 2),
      holderTag(holder('load', 2), 2),
      holderTag(holder('load', 3), 2),
      holderTag(holder('load', 1, 0), 1),
      holderTag(holder('other', 1), 1),
    ];
    expect(supersededTries(holders, holder('load', 3))).toEqual([
      { tag: holders[0], slots: 2 },
      { tag: holders[1], slots: 2 },
    ]);
    expect(supersededTries(holders, holder('load', 1))).toEqual([]);
  });

  it('asks a full pool again soon enough to beat the heartbeat timeout', () => {
    expect(poolRetrySeconds(undefined)).toBe(POOL_RETRY_SECONDS);
    expect(poolRetrySeconds(300)).toBe(POOL_RETRY_SECONDS);
    expect(poolRetrySeconds(9)).toBe(3);
    expect(poolRetrySeconds(2)).toBe(1);
  });
});
