import { describe, expect, it } from 'vitest';
import { type CatchupMark, pausedCatchup, planCatchup } from '../../lib/dag-sync/catchup-runs.ts';
import type { ScheduleSpec } from '../../lib/schedule/index.ts';

const daily = (overrides: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  expression: '@daily',
  timezone: 'UTC',
  startDate: '2026-11-01',
  catchup: true,
  ...overrides,
});
const at = (iso: string) => new Date(iso);
const days = (intervals: ReadonlyArray<{ logicalDate: string }>) =>
  intervals.map((interval) => interval.logicalDate.slice(0, 10));
/** Every day from `from` to `to`, both included (UTC). */
const dayRange = (from: string, to: string) => {
  const out: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
};
const live = (mark: CatchupMark) => ({ mark, disabled: false });
const DEPLOYED = at('2026-12-06T10:00:00Z');

describe('planCatchup: the runs a sync of a DAG owes the trigger', () => {
  it('owes every interval since startDate on a first deployment with catchup, oldest first', () => {
    const plan = planCatchup(daily(), undefined, DEPLOYED, 500);

    expect(days(plan.intervals)).toEqual(dayRange('2026-11-01', '2026-12-05'));
    expect(plan.intervals).toHaveLength(35);
    // Each is the interval EventBridge Scheduler would have fired at its end: the trigger maps runAfter back.
    expect(plan.intervals[0]).toEqual({
      logicalDate: '2026-11-01T00:00:00+00:00',
      dataIntervalStart: '2026-11-01T00:00:00+00:00',
      dataIntervalEnd: '2026-11-02T00:00:00+00:00',
      runAfter: '2026-11-02T00:00:00+00:00',
    });
    expect(plan.capped).toBe(false);
    expect(plan.owed).toEqual({
      expression: '@daily',
      timezone: 'UTC',
      from: '2026-11-01',
      until: DEPLOYED.toISOString(),
    });
    expect(plan.done).toEqual({ ...plan.owed, through: '2026-12-05T00:00:00+00:00' });
  });

  it('owes only the latest ended interval on a first deployment without catchup (Airflow creates that one run)', () => {
    const plan = planCatchup(daily({ catchup: false }), undefined, DEPLOYED, 500);

    expect(days(plan.intervals)).toEqual(['2026-12-05']);
    expect(plan.done.through).toBe('2026-12-05T00:00:00+00:00');
  });

  it('owes nothing when the start date is ahead, or for a DAG without a schedule', () => {
    expect(planCatchup(daily({ startDate: '2026-12-24' }), undefined, DEPLOYED, 500).intervals).toEqual([]);
    expect(planCatchup(daily({ expression: null }), undefined, DEPLOYED, 500).intervals).toEqual([]);
  });

  it('owes nothing more to a redelivered event or a redeploy of a live DAG: the schedules fire what ended since', () => {
    const first = planCatchup(daily(), undefined, DEPLOYED, 500);

    expect(planCatchup(daily(), live(first.done), DEPLOYED, 500).intervals).toEqual([]);
    const redeploy = planCatchup(daily(), live(first.done), at('2026-12-20T10:00:00Z'), 500);
    expect(redeploy.intervals).toEqual([]);
    expect(redeploy.done).toEqual(first.done);
    const withoutCatchup = planCatchup(daily({ catchup: false }), undefined, DEPLOYED, 500).done;
    expect(
      planCatchup(daily({ catchup: false }), live(withoutCatchup), at('2026-12-20T10:00:00Z'), 500).intervals,
    ).toEqual([]);
  });

  it('starts the same intervals again when the sync died after recording what it owed (the trigger refuses duplicates)', () => {
    const first = planCatchup(daily(), undefined, DEPLOYED, 500);

    const again = planCatchup(daily(), live(first.owed), at('2026-12-06T10:05:00Z'), 500);

    expect(again.intervals).toEqual(first.intervals);
    expect(again.done).toEqual(first.done);
  });

  it('owes the intervals before the old start when startDate moves back, with catchup', () => {
    const first = planCatchup(daily(), undefined, DEPLOYED, 500);

    const moved = planCatchup(daily({ startDate: '2026-10-25' }), live(first.done), at('2026-12-07T10:00:00Z'), 500);

    expect(days(moved.intervals)).toEqual(dayRange('2026-10-25', '2026-10-31'));
    expect(moved.done).toEqual({ ...first.done, from: '2026-10-25' });
    expect(
      planCatchup(daily({ startDate: '2026-10-25' }), live(moved.done), at('2026-12-08T10:00:00Z'), 500).intervals,
    ).toEqual([]);
  });

  it('owes nothing when startDate moves back without catchup (Airflow never runs intervals before its latest)', () => {
    const first = planCatchup(daily({ catchup: false }), undefined, DEPLOYED, 500);

    const moved = planCatchup(daily({ startDate: '2026-10-25', catchup: false }), live(first.done), DEPLOYED, 500);

    expect(moved.intervals).toEqual([]);
    expect(moved.done.from).toBe('2026-10-25');
  });

  it('hands over at most `limit` intervals per sync; the next syncs go on where it stopped, none twice', () => {
    const handed: string[] = [];
    let previous: { mark: CatchupMark; disabled: boolean } | undefined;
    const capped: boolean[] = [];
    for (let sync = 0; sync < 5; sync++) {
      const plan = planCatchup(daily(), previous, at(`2026-12-${String(6 + sync).padStart(2, '0')}T10:00:00Z`), 10);
      handed.push(...days(plan.intervals));
      capped.push(plan.capped);
      previous = live(plan.done);
    }

    // Intervals that ended after the first sync are the schedules': catchup stops at the deployment.
    expect(handed).toEqual(dayRange('2026-11-01', '2026-12-05'));
    expect(capped).toEqual([true, true, true, false, false]);
  });

  it('hands over moved-back intervals over several syncs when they are more than `limit`', () => {
    const first = planCatchup(daily(), undefined, DEPLOYED, 500);
    const handed: string[] = [];
    let mark = first.done;
    for (let sync = 0; sync < 4; sync++) {
      const plan = planCatchup(daily({ startDate: '2026-10-25' }), live(mark), DEPLOYED, 3);
      handed.push(...days(plan.intervals));
      mark = plan.done;
    }

    expect(handed).toEqual(dayRange('2026-10-25', '2026-10-31'));
    expect(mark).toEqual({ ...first.done, from: '2026-10-25' });
  });

  it('owes what was missed while the file was deleted, as an unpause does', () => {
    const first = planCatchup(daily(), undefined, DEPLOYED, 500);
    const paused = pausedCatchup(daily(), first.done, at('2026-12-08T10:00:00Z'))!;
    expect(paused.through).toBe('2026-12-07T00:00:00+00:00');

    const back = at('2026-12-12T10:00:00Z');
    expect(days(planCatchup(daily(), { mark: paused, disabled: true }, back, 500).intervals)).toEqual(
      dayRange('2026-12-08', '2026-12-11'),
    );
    expect(days(planCatchup(daily({ catchup: false }), { mark: paused, disabled: true }, back, 500).intervals)).toEqual(
      ['2026-12-11'],
    );
  });

  it('owes nothing for a changed expression or zone: the new schedules start at their next fire', () => {
    const first = planCatchup(daily(), undefined, DEPLOYED, 500);

    const hourly = planCatchup(daily({ expression: '@hourly' }), live(first.done), at('2026-12-07T10:30:00Z'), 500);

    expect(hourly.intervals).toEqual([]);
    expect(hourly.done).toMatchObject({ expression: '@hourly', through: '2026-12-07T09:00:00+00:00' });
    expect(
      planCatchup(daily({ expression: '@hourly' }), live(hourly.done), at('2026-12-07T10:31:00Z'), 500).intervals,
    ).toEqual([]);
  });

  it('counts intervals in the DAG zone across a spring-forward day (Berlin, 02:30 does not exist on 2026-03-29)', () => {
    const spec: ScheduleSpec = {
      expression: '30 2 * * *',
      timezone: 'Europe/Berlin',
      startDate: '2026-03-26',
      catchup: true,
    };

    const plan = planCatchup(spec, undefined, at('2026-03-31T12:00:00Z'), 500);

    expect(plan.intervals.map((interval) => [interval.logicalDate, interval.runAfter])).toEqual([
      ['2026-03-26T02:30:00+01:00', '2026-03-27T02:30:00+01:00'],
      ['2026-03-27T02:30:00+01:00', '2026-03-28T02:30:00+01:00'],
      ['2026-03-28T02:30:00+01:00', '2026-03-30T02:30:00+02:00'],
      ['2026-03-30T02:30:00+02:00', '2026-03-31T02:30:00+02:00'],
    ]);
  });
});
