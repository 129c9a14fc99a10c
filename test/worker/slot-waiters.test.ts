import { describe, expect, it } from 'vitest';
import {
  expiredWaiters,
  type SlotWaiter,
  servedBefore,
  slotDecision,
  waiterKey,
  waitersOfExecution,
} from '../../lib/worker/slot-waiters.ts';

const NOW = 1_000_000;
const waiter = (priority: number, arrival: number, slots = 1, leaseUntil = NOW + 60_000): SlotWaiter => ({
  priority,
  arrival,
  slots,
  leaseUntil,
});

describe('slot waiters', () => {
  it('serves a higher priority first, then the earlier arrival', () => {
    expect(servedBefore(waiter(5, 9), waiter(1, 0))).toBe(true);
    expect(servedBefore(waiter(1, 0), waiter(5, 9))).toBe(false);
    expect(servedBefore(waiter(2, 3), waiter(2, 4))).toBe(true);
    expect(servedBefore(waiter(2, 4), waiter(2, 3))).toBe(false);
  });

  it('lets a try take a free slot only when no live waiter is served before it', () => {
    const counter = { used: 0, capacity: 1, waiters: { high: waiter(5, 1), low: waiter(1, 0) } };
    expect(slotDecision(counter, { key: 'high', slots: 1, priority: 5 }, NOW)).toBe('take');
    expect(slotDecision(counter, { key: 'low', slots: 1, priority: 1 }, NOW)).toBe('wait');
    // A newcomer of the same priority as the best waiter ranks after it: it would arrive last.
    expect(slotDecision(counter, { key: 'new', slots: 1, priority: 5 }, NOW)).toBe('wait');
    // A newcomer of a higher priority than every waiter goes first.
    expect(slotDecision(counter, { key: 'new', slots: 1, priority: 6 }, NOW)).toBe('take');
  });

  it('passes over a better-ranked waiter whose slots do not fit, as Airflow does, but never takes what it would', () => {
    const counter = { used: 2, capacity: 3, waiters: { big: waiter(3, 0, 2), small: waiter(1, 1, 1) } };
    expect(slotDecision(counter, { key: 'big', slots: 2, priority: 3 }, NOW)).toBe('wait');
    expect(slotDecision(counter, { key: 'small', slots: 1, priority: 1 }, NOW)).toBe('take');
    // Once two slots are open, `big` fits and its slots are its own: `small` waits.
    expect(slotDecision({ ...counter, used: 1 }, { key: 'small', slots: 1, priority: 1 }, NOW)).toBe('wait');
    expect(slotDecision({ ...counter, used: 1 }, { key: 'big', slots: 2, priority: 3 }, NOW)).toBe('take');
  });

  it('keeps the open slots for every better-ranked waiter that fits, in rank order', () => {
    const counter = { used: 0, capacity: 2, waiters: { high: waiter(5, 2), mid: waiter(3, 0), low: waiter(1, 1) } };
    expect(slotDecision(counter, { key: 'mid', slots: 1, priority: 3 }, NOW)).toBe('take');
    expect(slotDecision(counter, { key: 'low', slots: 1, priority: 1 }, NOW)).toBe('wait');
    expect(slotDecision({ ...counter, capacity: 3 }, { key: 'low', slots: 1, priority: 1 }, NOW)).toBe('take');
  });

  it('ignores a waiter whose lease ran out, and lists it for removal', () => {
    const waiters = { dead: waiter(9, 0, 1, NOW), live: waiter(1, 1) };
    expect(slotDecision({ used: 0, capacity: 1, waiters }, { key: 'live', slots: 1, priority: 1 }, NOW)).toBe('take');
    expect(slotDecision({ used: 0, capacity: 1, waiters }, { key: 'live', slots: 1, priority: 1 }, NOW - 1)).toBe(
      'wait',
    );
    expect(expiredWaiters(waiters, NOW)).toEqual(['dead']);
    expect(expiredWaiters(waiters, NOW - 1)).toEqual([]);
  });

  it("keys a waiter by its try, and finds an execution's waiters but not those of an ARN that merely starts the same", () => {
    const exec = 'arn:aws:states:us-east-1:1:execution:airstep-d:run';
    const key = waiterKey({ executionArn: exec, taskId: 'load', mapIndex: 2, tryNumber: 3 });
    expect(key).toBe(`${exec}|load|2|3`);
    const other = waiterKey({ executionArn: `${exec}2`, taskId: 'load', mapIndex: -1, tryNumber: 1 });
    expect(waitersOfExecution([key, other], exec)).toEqual([key]);
  });
});
