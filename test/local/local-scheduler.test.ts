import { describe, expect, it } from 'vitest';
import { dueRuns, LocalScheduler, type ScheduledDag } from '../../lib/local/local-scheduler.ts';

const daily = (overrides: Partial<ScheduledDag['spec']> = {}, maxActiveRuns = 16): ScheduledDag => ({
  dagId: 'daily',
  spec: { schedule: '@daily', startDate: '2026-11-20', catchup: true, ...overrides },
  maxActiveRuns,
});
const logicalDates = (runs: Array<{ logicalDate: string }>) => runs.map((run) => run.logicalDate);

describe('dueRuns', () => {
  const now = new Date('2026-11-24T00:30:00Z');

  it('with catchup, owes every interval that ended since the start date, oldest first', () => {
    expect(logicalDates(dueRuns(daily(), { active: 0 }, now))).toEqual([
      '2026-11-20T00:00:00+00:00',
      '2026-11-21T00:00:00+00:00',
      '2026-11-22T00:00:00+00:00',
      '2026-11-23T00:00:00+00:00',
    ]);
  });

  it('without catchup, owes only the latest interval, and nothing once it ran', () => {
    expect(logicalDates(dueRuns(daily({ catchup: false }), { active: 0 }, now))).toEqual(['2026-11-23T00:00:00+00:00']);
    expect(
      dueRuns(daily({ catchup: false }), { active: 0, lastLogicalDate: '2026-11-23T00:00:00+00:00' }, now),
    ).toEqual([]);
  });

  it('resumes after the last run and never owes more than maxActiveRuns minus the active runs', () => {
    const dag = daily({}, 2);
    expect(logicalDates(dueRuns(dag, { active: 0, lastLogicalDate: '2026-11-20T00:00:00+00:00' }, now))).toEqual([
      '2026-11-21T00:00:00+00:00',
      '2026-11-22T00:00:00+00:00',
    ]);
    expect(logicalDates(dueRuns(dag, { active: 1 }, now))).toEqual(['2026-11-20T00:00:00+00:00']);
    expect(dueRuns(dag, { active: 2 }, now)).toEqual([]);
  });

  it('stops at the end date', () => {
    expect(logicalDates(dueRuns(daily({ endDate: '2026-11-21' }), { active: 0 }, now))).toEqual([
      '2026-11-20T00:00:00+00:00',
      '2026-11-21T00:00:00+00:00',
    ]);
  });

  it('skips a time the clock jumps over (Berlin, 2026-03-29) as EventBridge Scheduler does', () => {
    const dag: ScheduledDag = {
      dagId: 'berlin',
      spec: { schedule: '30 2 * * *', timezone: 'Europe/Berlin', startDate: '2026-03-27', catchup: true },
      maxActiveRuns: 16,
    };
    expect(logicalDates(dueRuns(dag, { active: 0 }, new Date('2026-03-31T12:00:00Z')))).toEqual([
      '2026-03-27T02:30:00+01:00',
      '2026-03-28T02:30:00+01:00',
      '2026-03-30T02:30:00+02:00',
    ]);
  });
});

describe('LocalScheduler', () => {
  it('starts due runs once each, queues the rest behind maxActiveRuns, and starts them as runs finish', () => {
    const scheduler = new LocalScheduler();
    scheduler.set(daily({}, 2));
    const now = new Date('2026-11-24T00:30:00Z');
    const first = scheduler.tick(now);
    expect(first.map((run) => run.runId)).toEqual([
      'scheduled__2026-11-20T00:00:00+00:00',
      'scheduled__2026-11-21T00:00:00+00:00',
    ]);
    expect(scheduler.tick(now)).toEqual([]);
    scheduler.finished('daily');
    expect(scheduler.tick(now).map((run) => run.runId)).toEqual(['scheduled__2026-11-22T00:00:00+00:00']);
    scheduler.finished('daily');
    scheduler.finished('daily');
    expect(scheduler.tick(now).map((run) => run.runId)).toEqual(['scheduled__2026-11-23T00:00:00+00:00']);
    expect(scheduler.tick(new Date('2026-11-25T00:00:01Z')).map((run) => run.runId)).toEqual([
      'scheduled__2026-11-24T00:00:00+00:00',
    ]);
  });

  it('resumes a DAG from the last run in the store and keeps its book when the DAG is replaced', () => {
    const scheduler = new LocalScheduler();
    scheduler.set(daily(), '2026-11-22T00:00:00+00:00');
    const now = new Date('2026-11-24T00:30:00Z');
    expect(scheduler.tick(now).map((run) => run.runId)).toEqual(['scheduled__2026-11-23T00:00:00+00:00']);
    scheduler.set(daily({ catchup: false }));
    expect(scheduler.tick(now)).toEqual([]);
    scheduler.remove('daily');
    expect(scheduler.tick(new Date('2026-11-26T00:30:00Z'))).toEqual([]);
  });
});
