import { describe, expect, it } from 'vitest';
import {
  type DueRun,
  dueRuns,
  LocalScheduler,
  resumePoint,
  type ScheduledDag,
  SchedulerLoop,
  type SchedulerTimer,
} from '../../lib/local/local-scheduler.ts';
import { runId } from '../../lib/schedule/index.ts';

const daily = (overrides: Partial<ScheduledDag['spec']> = {}, maxActiveRuns = 16): ScheduledDag => ({
  dagId: 'daily',
  spec: { expression: '@daily', timezone: 'UTC', startDate: '2026-11-20', catchup: true, ...overrides },
  maxActiveRuns,
});
const berlin = (schedule: string, startDate: string): ScheduledDag => ({
  dagId: 'berlin',
  spec: { expression: schedule, timezone: 'Europe/Berlin', startDate, catchup: true },
  maxActiveRuns: 16,
});
const ids = (runs: ReadonlyArray<{ logicalDate: string }>) => runs.map((run) => runId('scheduled', run.logicalDate));
const runIds = (runs: readonly DueRun[]) => runs.map((run) => run.runId);

/** A clock that only moves when the test says so; timers fire when it passes them. */
class FakeTimer implements SchedulerTimer {
  private timers = new Map<number, { at: number; callback: () => void }>();
  private nextHandle = 1;
  constructor(private at: number) {}
  now = () => new Date(this.at);
  setTimeout = (callback: () => void, ms: number) => {
    const handle = this.nextHandle++;
    this.timers.set(handle, { at: this.at + ms, callback });
    return handle;
  };
  clearTimeout = (handle: unknown) => {
    this.timers.delete(handle as number);
  };
  /** The instants the pending timers are set for. */
  get pending(): string[] {
    return [...this.timers.values()].map((timer) => new Date(timer.at).toISOString());
  }
  /** Moves the clock to `iso`, firing every timer due by then in order. */
  advanceTo(iso: string): void {
    const target = Date.parse(iso);
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, timer]) => timer.at <= target)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.at = due[1].at;
      due[1].callback();
    }
    this.at = target;
  }
}

describe('dueRuns', () => {
  const now = new Date('2026-11-24T00:30:00Z');

  it('with catchup, owes every interval that ended since the start date, oldest first', () => {
    expect(ids(dueRuns(daily(), { active: 0 }, now))).toEqual([
      'scheduled__2026-11-20T00:00:00+00:00',
      'scheduled__2026-11-21T00:00:00+00:00',
      'scheduled__2026-11-22T00:00:00+00:00',
      'scheduled__2026-11-23T00:00:00+00:00',
    ]);
  });

  it('owes nothing for the interval that has not ended yet', () => {
    // The 2026-11-24 interval ends at 2026-11-25T00:00; one millisecond before, it is not due.
    expect(
      ids(dueRuns(daily({ startDate: '2026-11-24' }), { active: 0 }, new Date('2026-11-24T23:59:59.999Z'))),
    ).toEqual([]);
    expect(ids(dueRuns(daily({ startDate: '2026-11-24' }), { active: 0 }, new Date('2026-11-25T00:00:00Z')))).toEqual([
      'scheduled__2026-11-24T00:00:00+00:00',
    ]);
  });

  it('without catchup, owes only the latest interval, and nothing once it ran', () => {
    expect(ids(dueRuns(daily({ catchup: false }), { active: 0 }, now))).toEqual([
      'scheduled__2026-11-23T00:00:00+00:00',
    ]);
    expect(
      dueRuns(daily({ catchup: false }), { active: 0, lastLogicalDate: '2026-11-23T00:00:00+00:00' }, now),
    ).toEqual([]);
    // An older last run does not bring back the intervals between it and the latest.
    expect(
      ids(dueRuns(daily({ catchup: false }), { active: 0, lastLogicalDate: '2026-11-20T00:00:00+00:00' }, now)),
    ).toEqual(['scheduled__2026-11-23T00:00:00+00:00']);
  });

  it('is bounded by maxActiveRuns minus the active runs, in order from the start date', () => {
    const hourly: ScheduledDag = {
      dagId: 'hourly',
      spec: { expression: '@hourly', startDate: '2020-01-01', catchup: true, timezone: 'UTC' },
      maxActiveRuns: 3,
    };
    expect(ids(dueRuns(hourly, { active: 0 }, now))).toEqual([
      'scheduled__2020-01-01T00:00:00+00:00',
      'scheduled__2020-01-01T01:00:00+00:00',
      'scheduled__2020-01-01T02:00:00+00:00',
    ]);
    expect(ids(dueRuns(hourly, { active: 2 }, now))).toEqual(['scheduled__2020-01-01T00:00:00+00:00']);
    expect(dueRuns(hourly, { active: 3 }, now)).toEqual([]);
  });

  it('resumes after the last run', () => {
    expect(ids(dueRuns(daily({}, 2), { active: 0, lastLogicalDate: '2026-11-20T00:00:00+00:00' }, now))).toEqual([
      'scheduled__2026-11-21T00:00:00+00:00',
      'scheduled__2026-11-22T00:00:00+00:00',
    ]);
    expect(dueRuns(daily(), { active: 0, lastLogicalDate: '2026-11-23T00:00:00+00:00' }, now)).toEqual([]);
  });

  it('stops at the end date, with catchup and without', () => {
    expect(ids(dueRuns(daily({ endDate: '2026-11-21' }), { active: 0 }, now))).toEqual([
      'scheduled__2026-11-20T00:00:00+00:00',
      'scheduled__2026-11-21T00:00:00+00:00',
    ]);
    expect(ids(dueRuns(daily({ endDate: '2026-11-21', catchup: false }), { active: 0 }, now))).toEqual([
      'scheduled__2026-11-21T00:00:00+00:00',
    ]);
    expect(
      dueRuns(daily({ endDate: '2026-11-21' }), { active: 0, lastLogicalDate: '2026-11-21T00:00:00+00:00' }, now),
    ).toEqual([]);
  });

  it('skips a time the clock jumps over (Berlin, 2026-03-29) as EventBridge Scheduler does', () => {
    const runs = dueRuns(berlin('30 2 * * *', '2026-03-27'), { active: 0 }, new Date('2026-03-31T12:00:00Z'));
    expect(runs.map((run) => [run.logicalDate, run.dataIntervalEnd])).toEqual([
      ['2026-03-27T02:30:00+01:00', '2026-03-28T02:30:00+01:00'],
      // 02:30 does not exist on 2026-03-29: this interval runs over two days.
      ['2026-03-28T02:30:00+01:00', '2026-03-30T02:30:00+02:00'],
      ['2026-03-30T02:30:00+02:00', '2026-03-31T02:30:00+02:00'],
    ]);
    expect(ids(runs)).toEqual([
      'scheduled__2026-03-27T01:30:00+00:00',
      'scheduled__2026-03-28T01:30:00+00:00',
      'scheduled__2026-03-30T00:30:00+00:00',
    ]);
  });

  it('fires a time that occurs twice (Berlin, 2026-10-25) once, at its first occurrence', () => {
    const runs = dueRuns(berlin('30 2 * * *', '2026-10-24'), { active: 0 }, new Date('2026-10-27T12:00:00Z'));
    expect(ids(runs)).toEqual([
      'scheduled__2026-10-24T00:30:00+00:00',
      'scheduled__2026-10-25T00:30:00+00:00',
      'scheduled__2026-10-26T01:30:00+00:00',
    ]);
    expect(runs[1]!.dataIntervalEnd).toBe('2026-10-26T02:30:00+01:00');
  });
});

describe('resumePoint', () => {
  it('is the newest logical date of the scheduled and backfill runs; manual runs do not count', () => {
    expect(
      resumePoint([
        { runType: 'scheduled', logicalDate: '2026-11-21T00:00:00+00:00' },
        { runType: 'manual', logicalDate: '2026-11-29T10:00:00+00:00' },
        { runType: 'backfill', logicalDate: '2026-11-22T01:00:00+01:00' },
        { runType: 'scheduled', logicalDate: '2026-11-20T00:00:00+00:00' },
      ]),
    ).toBe('2026-11-22T01:00:00+01:00');
    expect(resumePoint([{ runType: 'manual', logicalDate: '2026-11-29T10:00:00+00:00' }])).toBeUndefined();
  });
});

describe('LocalScheduler', () => {
  const now = new Date('2026-11-24T00:30:00Z');

  it('starts due runs once each, queues the rest behind maxActiveRuns, and starts them as runs finish', () => {
    const scheduler = new LocalScheduler();
    scheduler.set(daily({}, 2));
    expect(runIds(scheduler.tick(now))).toEqual([
      'scheduled__2026-11-20T00:00:00+00:00',
      'scheduled__2026-11-21T00:00:00+00:00',
    ]);
    expect(scheduler.tick(now)).toEqual([]);
    scheduler.finished('daily');
    expect(runIds(scheduler.tick(now))).toEqual(['scheduled__2026-11-22T00:00:00+00:00']);
    scheduler.finished('daily');
    scheduler.finished('daily');
    expect(runIds(scheduler.tick(now))).toEqual(['scheduled__2026-11-23T00:00:00+00:00']);
    expect(runIds(scheduler.tick(new Date('2026-11-25T00:00:01Z')))).toEqual(['scheduled__2026-11-24T00:00:00+00:00']);
  });

  it('counts a run started outside it (a triggered run under dev) toward maxActiveRuns until it finishes', () => {
    const scheduler = new LocalScheduler();
    // Started before the DAG was set (its file checked later), and one after: both hold places.
    scheduler.started('daily');
    scheduler.set(daily({}, 2));
    expect(runIds(scheduler.tick(now))).toEqual(['scheduled__2026-11-20T00:00:00+00:00']);
    scheduler.started('daily');
    scheduler.finished('daily');
    expect(scheduler.tick(now)).toEqual([]);
    scheduler.finished('daily');
    expect(runIds(scheduler.tick(now))).toEqual(['scheduled__2026-11-21T00:00:00+00:00']);
  });

  it('resumes a DAG from the store and never hands out a run id twice, whatever the DAG is replaced with', () => {
    const scheduler = new LocalScheduler();
    scheduler.set(daily(), '2026-11-21T00:00:00+00:00');
    const seen = runIds(scheduler.tick(now));
    expect(seen).toEqual(['scheduled__2026-11-22T00:00:00+00:00', 'scheduled__2026-11-23T00:00:00+00:00']);
    // Saved again with an earlier start date, with an older resume point, without catchup, and back.
    scheduler.set(daily({ startDate: '2026-11-01' }), '2026-11-10T00:00:00+00:00');
    scheduler.set(daily({ catchup: false }));
    expect(scheduler.tick(now)).toEqual([]);
    scheduler.set(daily({ startDate: '2026-11-01' }));
    expect(scheduler.tick(now)).toEqual([]);
    // A backfill in another process got further: the store's newer resume point wins.
    scheduler.set(daily(), '2026-11-25T00:00:00+00:00');
    expect(scheduler.tick(new Date('2026-11-26T00:30:00Z'))).toEqual([]);
    expect(runIds(scheduler.tick(new Date('2026-11-27T00:30:00Z')))).toEqual(['scheduled__2026-11-26T00:00:00+00:00']);
  });

  it('schedules nothing for a removed DAG, and picks it up where it was when it comes back', () => {
    const scheduler = new LocalScheduler();
    scheduler.set(daily({ catchup: false }));
    expect(runIds(scheduler.tick(now))).toEqual(['scheduled__2026-11-23T00:00:00+00:00']);
    scheduler.remove('daily');
    expect(scheduler.tick(new Date('2026-11-26T00:30:00Z'))).toEqual([]);
    scheduler.set(daily());
    expect(runIds(scheduler.tick(new Date('2026-11-26T00:30:00Z')))).toEqual([
      'scheduled__2026-11-24T00:00:00+00:00',
      'scheduled__2026-11-25T00:00:00+00:00',
    ]);
  });

  it('starts nothing for a paused DAG, says so once per newest held run, and on unpause starts what it missed as catchup says', () => {
    const paused = new Set(['daily']);
    const held: string[] = [];
    const pause = {
      isPaused: (dagId: string) => paused.has(dagId),
      held: (dagId: string, interval: { logicalDate: string }) => held.push(`${dagId} ${interval.logicalDate}`),
    };
    const withCatchup = new LocalScheduler(pause);
    withCatchup.set(daily(), '2026-11-21T00:00:00+00:00');
    expect(withCatchup.tick(now)).toEqual([]);
    expect(withCatchup.tick(now)).toEqual([]);
    expect(held).toEqual(['daily 2026-11-23T00:00:00+00:00']);
    // Paused, it is never what the loop wakes up for.
    expect(withCatchup.nextDueAt(now)).toBeUndefined();
    expect(withCatchup.tick(new Date('2026-11-26T00:30:00Z'))).toEqual([]);
    expect(held).toEqual(['daily 2026-11-23T00:00:00+00:00', 'daily 2026-11-25T00:00:00+00:00']);
    paused.delete('daily');
    // Airflow: unpaused with catchup, every interval missed while paused is created, oldest first.
    expect(runIds(withCatchup.tick(new Date('2026-11-26T00:30:00Z')))).toEqual([
      'scheduled__2026-11-22T00:00:00+00:00',
      'scheduled__2026-11-23T00:00:00+00:00',
      'scheduled__2026-11-24T00:00:00+00:00',
      'scheduled__2026-11-25T00:00:00+00:00',
    ]);

    paused.add('daily');
    const withoutCatchup = new LocalScheduler(pause);
    withoutCatchup.set(daily({ catchup: false }), '2026-11-21T00:00:00+00:00');
    expect(withoutCatchup.tick(new Date('2026-11-26T00:30:00Z'))).toEqual([]);
    paused.delete('daily');
    // Without catchup, only the latest.
    expect(runIds(withoutCatchup.tick(new Date('2026-11-26T00:30:00Z')))).toEqual([
      'scheduled__2026-11-25T00:00:00+00:00',
    ]);
  });

  it('says when the next run is due, skipping DAGs at maxActiveRuns and schedules past their end', () => {
    const scheduler = new LocalScheduler();
    scheduler.set(daily({}, 1));
    scheduler.set({
      dagId: 'ended',
      spec: { expression: '@hourly', endDate: '2026-11-01', catchup: true, timezone: 'UTC' },
      maxActiveRuns: 1,
    });
    expect(scheduler.nextDueAt(now)?.toISOString()).toBe('2026-11-25T00:00:00.000Z');
    scheduler.tick(now);
    expect(scheduler.nextDueAt(now)).toBeUndefined();
  });
});

describe('SchedulerLoop', () => {
  it('starts due runs, sleeps until the next one is due, and starts queued runs as runs end', () => {
    const timer = new FakeTimer(Date.parse('2026-11-24T00:30:00Z'));
    const scheduler = new LocalScheduler();
    scheduler.set({
      dagId: 'quarter',
      spec: { expression: '*/15 * * * *', startDate: '2026-11-23T23:30:00Z', catchup: true, timezone: 'UTC' },
      maxActiveRuns: 2,
    });
    const started: string[] = [];
    const loop = new SchedulerLoop(scheduler, (run) => started.push(run.runId), timer, 3_600_000);

    loop.begin();
    expect(started).toEqual(['scheduled__2026-11-23T23:30:00+00:00', 'scheduled__2026-11-23T23:45:00+00:00']);
    // Both slots taken: nothing can become due until a run ends, so it only sleeps its longest (an hour here).
    expect(timer.pending).toEqual(['2026-11-24T01:30:00.000Z']);

    timer.advanceTo('2026-11-24T00:30:10Z');
    loop.finished('quarter');
    expect(started.slice(2)).toEqual(['scheduled__2026-11-24T00:00:00+00:00']);
    loop.finished('quarter');
    expect(started.slice(3)).toEqual(['scheduled__2026-11-24T00:15:00+00:00']);
    expect(timer.pending).toEqual(['2026-11-24T01:30:10.000Z']);
    loop.finished('quarter');
    expect(started).toHaveLength(4);
    // Caught up, one slot free: it wakes exactly when the 00:30 interval ends.
    expect(timer.pending).toEqual(['2026-11-24T00:45:00.000Z']);
    timer.advanceTo('2026-11-24T00:44:59.999Z');
    expect(started).toHaveLength(4);
    timer.advanceTo('2026-11-24T00:45:00Z');
    expect(started.slice(4)).toEqual(['scheduled__2026-11-24T00:30:00+00:00']);

    loop.stop();
    expect(timer.pending).toEqual([]);
    loop.finished('quarter');
    timer.advanceTo('2026-11-24T02:00:00Z');
    expect(started).toHaveLength(5);
  });

  it('asks again when a run could not start and reported so at once', () => {
    const timer = new FakeTimer(Date.parse('2026-11-24T00:30:00Z'));
    const scheduler = new LocalScheduler();
    scheduler.set(daily({}, 1));
    const started: string[] = [];
    const loop = new SchedulerLoop(
      scheduler,
      (run) => {
        started.push(run.runId);
        loop.finished(run.dagId);
      },
      timer,
    );
    loop.begin();
    expect(started).toEqual([
      'scheduled__2026-11-20T00:00:00+00:00',
      'scheduled__2026-11-21T00:00:00+00:00',
      'scheduled__2026-11-22T00:00:00+00:00',
      'scheduled__2026-11-23T00:00:00+00:00',
    ]);
    // The next run is due in a day; the loop still looks again within its longest sleep (60 s by default).
    expect(timer.pending).toEqual(['2026-11-24T00:31:00.000Z']);
  });
});
