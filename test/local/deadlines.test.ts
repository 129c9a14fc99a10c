import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { type DeadlineClock, watchDeadline } from '../../lib/local/deadline-watch.ts';
import { LocalStore } from '../../lib/local/local-store.ts';
import { runAndRecord } from '../../lib/local/record-run.ts';
import type { Dag } from '../../lib/sdk/dag.ts';
import { fast, past, slow } from '../fixtures/local/deadlines.ts';
import { manualContext } from '../helpers/run-context.ts';

/** A clock a test moves by hand: timers fire when `advance` passes them, in order. */
function handClock(start: number) {
  let now = start;
  const timers: Array<{ at: number; fire: () => void; cancelled: boolean }> = [];
  const clock: DeadlineClock & { advance(ms: number): void } = {
    now: () => now,
    timer(ms, onFire) {
      const timer = { at: now + ms, fire: onFire, cancelled: false };
      timers.push(timer);
      return {
        reset: () => {
          timer.at = now + ms;
        },
        cancel: () => {
          timer.cancelled = true;
        },
      };
    },
    advance(ms) {
      now += ms;
      for (const timer of timers.sort((a, b) => a.at - b.at)) {
        if (!timer.cancelled && timer.at <= now) {
          timer.cancelled = true;
          timer.fire();
        }
      }
    },
  };
  return clock;
}

describe('watchDeadline', () => {
  const start = Date.parse('2026-11-23T00:00:00Z');
  const deadline = new Date(start + 60_000);

  it('misses once when the deadline comes before the run ends', () => {
    const clock = handClock(start);
    const misses: string[] = [];
    const watch = watchDeadline(deadline, clock, (at) => misses.push(at.toISOString()));
    clock.advance(59_999);
    expect(misses).toEqual([]);
    clock.advance(1);
    expect(misses).toEqual(['2026-11-23T00:01:00.000Z']);
    clock.advance(5_000);
    expect(watch.end()).toBe(true);
    expect(misses).toHaveLength(1);
  });

  it('does not miss when the run ends first, and never fires afterwards', () => {
    const clock = handClock(start);
    const misses: Date[] = [];
    const watch = watchDeadline(deadline, clock, (at) => misses.push(at));
    clock.advance(30_000);
    expect(watch.end()).toBe(false);
    clock.advance(60_000);
    expect(misses).toEqual([]);
  });

  it('misses a run that ends after the deadline even when its timer has not run yet (a busy event loop)', () => {
    const clock = handClock(start);
    const misses: Date[] = [];
    // The clock moves without running timers, as when the event loop is busy past the deadline.
    const frozen: DeadlineClock = { now: () => clock.now(), timer: () => ({ reset() {}, cancel() {} }) };
    const watch = watchDeadline(deadline, frozen, (at) => misses.push(at));
    clock.advance(61_000);
    expect(watch.end()).toBe(true);
    expect(misses.map((at) => at.toISOString())).toEqual(['2026-11-23T00:01:01.000Z']);
  });

  it('misses at once a deadline already past when the run starts', () => {
    const clock = handClock(start);
    const misses: Date[] = [];
    watchDeadline(new Date(start - 1), clock, (at) => misses.push(at));
    clock.advance(0);
    expect(misses).toHaveLength(1);
  });
});

/**
 * The engine with a sped-up clock: whether a run missed is decided by the order of events. The slow runs' task
 * ends only after the miss is in the run record, so the deadline fires before the run ends however loaded the
 * machine is; the fast run's deadline is a day away on its clock (at speed 60, 24 real minutes).
 */
describe('Local engine: deadlines', () => {
  let root: string;
  let store: LocalStore;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'airstep-deadline-'));
    store = new LocalStore(root);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const runOf = async (dag: Dag, speed: number) => {
    const ctx = manualContext(dag);
    const runFile = join(root, 'runs', dag.id, ctx.runId.replace(/[^A-Za-z0-9_.-]/g, '_'), 'run.json');
    const withFile = { ...ctx, params: { runFile }, conf: { runFile } };
    const misses: Array<{ deadline: string; at: string }> = [];
    const recorded = await runAndRecord({
      dag,
      file: 'test/fixtures/local/deadlines.ts',
      ctx: withFile,
      store,
      maxActiveTasks: 2,
      speed,
      manifest: compileDag(dag).manifest!,
      onDeadlineMiss: ({ deadline, at }) => misses.push({ deadline: deadline.toISOString(), at: at.toISOString() }),
    });
    const saved = (await store.runs(dag.id)).find((run) => run.runId === ctx.runId)!;
    return { recorded, saved, misses };
  };

  it('records the miss of a run still running when its deadline comes on the sped-up clock', async () => {
    const { recorded, saved, misses } = await runOf(slow, 600);
    expect(recorded.run.state).toBe('success');
    expect(misses).toHaveLength(1);
    // The miss was found at the deadline on the run's clock (10 minutes after the run was accepted), not later.
    const [miss] = misses;
    expect(Date.parse(miss!.at)).toBeGreaterThanOrEqual(Date.parse(miss!.deadline));
    expect(saved).toMatchObject({ state: 'success', deadline: miss!.deadline, deadlineMissedAt: miss!.at });
    // The task returned the time it saw the miss recorded: the miss came first, then the run ended.
    const [task] = recorded.tasks;
    expect(task).toMatchObject({ taskId: 'wait_for_miss', state: 'success', output: miss!.at });
  });

  it('misses at once a deadline already past when the run starts (one minute after a logical date in 2026-11)', async () => {
    const { saved, misses } = await runOf(past, 1);
    expect(misses).toEqual([{ deadline: '2026-11-22T06:01:00.000Z', at: expect.any(String) }]);
    expect(saved).toMatchObject({ state: 'success', deadline: '2026-11-22T06:01:00.000Z' });
  });

  it('records no miss for a run that ends before its deadline', async () => {
    const { recorded, saved, misses } = await runOf(fast, 60);
    expect(recorded.run.state).toBe('success');
    expect(misses).toEqual([]);
    expect(saved.deadlineMissedAt).toBeUndefined();
    expect(saved.deadline).toBeUndefined();
  });
});
