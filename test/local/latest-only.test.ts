import { describe, expect, it } from 'vitest';
import type { RunContext } from '../../lib/compiler/worker-contract.ts';
import { Clock } from '../../lib/local/clock.ts';
import { runDagLocally, type TaskInstance } from '../../lib/local/run-dag.ts';
import { intervalRunContext } from '../../lib/runtime/run-context.ts';
import { backfillIntervals, type ScheduleSpec, secondKey } from '../../lib/schedule/index.ts';
import { dag } from '../../lib/sdk/dag.ts';
import latestOnlyDaily from '../fixtures/local/latest_only.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * latestOnly (Airflow's LatestOnlyOperator) through the compiled ASL in the local engine. The engine's clock
 * starts at a fixed instant, so "now" is the test's choice: the state machine reads it as `$$.State.EnteredTime`.
 */
const DAILY: ScheduleSpec = { expression: '@daily', timezone: 'UTC', startDate: '2026-11-01', catchup: false };
// Real speed: these DAGs never wait, and a check near a window's bound must land within minutes of the start.
const at = (iso: string) => new Clock({ speed: 1, start: Date.parse(iso) });
const stateOf = (tasks: readonly TaskInstance[]) => Object.fromEntries(tasks.map((t) => [t.taskId, t.state]));

/** The context the trigger (or `airstep backfill`) gives a run of the daily fixture over `day`. */
function dailyContext(day: string, runType: 'scheduled' | 'backfill'): RunContext {
  return intervalRunContext({
    dagId: latestOnlyDaily.id,
    timezone: 'UTC',
    interval: backfillIntervals(DAILY, day, day)[0]!,
    runType,
    params: {},
    conf: {},
    schedule: DAILY,
  });
}

async function runDaily(ctx: RunContext, now: string) {
  const result = await runDagLocally({ dag: latestOnlyDaily, ctx, clock: at(now) });
  return { status: result.execution.status, states: stateOf(result.tasks) };
}

const SKIPPED = { latest_only: 'success', refresh: 'skipped', archive: 'success', publish: 'skipped' };
const RAN = { latest_only: 'success', refresh: 'success', archive: 'success', publish: 'success' };

describe('Local engine: latestOnly', () => {
  it('lets the latest scheduled run through (its interval ended at midnight; now is that morning)', async () => {
    const ctx = dailyContext('2026-11-22', 'scheduled');
    expect(ctx.latestWindow).toEqual({
      after: '2026-11-22T00:00:00.000Z',
      until: '2026-11-24T00:00:00.000Z',
      afterKey: 120261122000000,
      untilKey: 120261124000000,
    });
    expect(await runDaily(ctx, '2026-11-23T00:05:00.000Z')).toEqual({ status: 'SUCCEEDED', states: RAN });
  });

  it('still lets it through near the end of the next interval (the window runs to that end)', async () => {
    // The clock runs from its start at real speed: the check lands seconds after 23:50, before the bound.
    const ctx = dailyContext('2026-11-22', 'scheduled');
    expect((await runDaily(ctx, '2026-11-23T23:50:00.000Z')).states).toEqual(RAN);
  });

  it('skips the direct downstream task of a run that is no longer the latest, whatever its trigger rule', async () => {
    // The run for 11-22 started late, after the run for 11-23 became due: Airflow skips `refresh` (all_done),
    // then `archive` (none_failed) runs on the skipped upstream and `publish` (all_success) is skipped.
    const ctx = dailyContext('2026-11-22', 'scheduled');
    expect(await runDaily(ctx, '2026-11-24T00:00:01.000Z')).toEqual({ status: 'SUCCEEDED', states: SKIPPED });
  });

  it('skips for a backfill of an old interval, and lets a manual run through', async () => {
    expect((await runDaily(dailyContext('2026-11-02', 'backfill'), '2026-11-23T06:00:00.000Z')).states).toEqual(
      SKIPPED,
    );
    const manual = manualContext(latestOnlyDaily);
    expect(manual.latestWindow).toBeUndefined();
    expect((await runDaily(manual, '2030-01-01T00:00:00.000Z')).states).toEqual(RAN);
  });

  it('skips a run whose data interval has not started yet (the window is open on the left)', async () => {
    const ctx = dailyContext('2026-11-22', 'backfill');
    expect((await runDaily(ctx, '2026-11-21T12:00:00.000Z')).states).toEqual(SKIPPED);
  });

  it('applies trigger rules below it as for any skipped task, and only skips direct downstream tasks', async () => {
    const d = dag({ id: 'latest_only_rules', schedule: '@daily', startDate: '2026-11-01' });
    const gate = d.latestOnly('gate');
    const other = d.task('other', async () => 'x');
    const direct = d.task('direct', { upstream: [gate, other], triggerRule: 'one_success' }, async () => 'x');
    d.task('after_all_done', { upstream: direct, triggerRule: 'all_done' }, async () => 'x');
    d.task('after_none_skipped', { upstream: direct, triggerRule: 'none_skipped' }, async () => 'x');
    d.task('beside', { upstream: other }, async () => 'x');
    const ctx = {
      ...manualContext(d),
      latestWindow: {
        after: '2026-11-01T00:00:00.000Z',
        until: '2026-11-02T00:00:00.000Z',
        afterKey: secondKey(Date.parse('2026-11-01T00:00:00.000Z')),
        untilKey: secondKey(Date.parse('2026-11-02T00:00:00.000Z')),
      },
    };
    const result = await runDagLocally({ dag: d, ctx, clock: at('2026-11-23T06:00:00.000Z') });
    expect(result.execution.status).toBe('SUCCEEDED');
    expect(stateOf(result.tasks)).toEqual({
      gate: 'success',
      other: 'success',
      direct: 'skipped',
      after_all_done: 'success',
      after_none_skipped: 'skipped',
      beside: 'success',
    });
  });

  it('is skipped itself when its own upstream is skipped, and then skips nothing by itself', async () => {
    const d = dag({ id: 'latest_only_below', schedule: '@daily', startDate: '2026-11-01' });
    const check = d.shortCircuit('check', async () => false);
    const gate = d.latestOnly('gate', { upstream: check, triggerRule: 'all_done' });
    d.task('work', { upstream: gate, triggerRule: 'all_done' }, async () => 'x');
    const result = await runDagLocally({ dag: d, ctx: manualContext(d), clock: at('2026-11-23T06:00:00.000Z') });
    // A short-circuit skips everything below it (ignoreDownstreamTriggerRules): Airflow's default.
    expect(stateOf(result.tasks)).toEqual({ check: 'success', gate: 'skipped', work: 'skipped' });
  });
});
