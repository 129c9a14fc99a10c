import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunContext } from '../../lib/compiler/worker-contract.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { intervalRunContext } from '../../lib/runtime/run-context.ts';
import { backfillIntervals, type ScheduleSpec, secondKey } from '../../lib/schedule/index.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { manualContext } from '../helpers/run-context.ts';
import type { DifferentialCase } from './harness/case.ts';
import { expectAirflowOutcome, expectInstancesAgree } from './harness/expectations.ts';
import { runOnEmulator } from './harness/run-emulator.ts';
import { runLocal } from './harness/run-local.ts';

/**
 * latestOnly on moto 5.2.5's (and, for Parallel branches, MiniStack 1.5.33's) Step Functions and in the local engine: the same compiled ASL, the same run payload,
 * and both decide with their own clock (`$$.State.EnteredTime`). The windows are far from the time the tests
 * run (years), so where "now" falls never depends on the machine's speed.
 */
const DAILY: ScheduleSpec = { expression: '@daily', timezone: 'UTC', startDate: '2026-11-01', catchup: false };
const noop = async () => null;

function latestOnlyChain(id: string) {
  const d = dag({ id, schedule: '@daily', startDate: '2026-11-01' });
  d.latestOnly('latest_only')
    .then(d.task('refresh', { triggerRule: 'all_done' }, noop))
    .then(d.task('archive', { triggerRule: 'none_failed' }, noop))
    .then(d.task('publish', noop));
  return d;
}

const withWindow = (d: ReturnType<typeof dag>, after: string, until: string): RunContext => ({
  ...manualContext(d),
  runType: 'scheduled',
  latestWindow: { after, until, afterKey: secondKey(Date.parse(after)), untilKey: secondKey(Date.parse(until)) },
});

const RAN = {
  latest_only: { state: 'success' },
  refresh: { state: 'success' },
  archive: { state: 'success' },
  publish: { state: 'success' },
};
const SKIPPED = {
  latest_only: { state: 'success' },
  refresh: { state: 'skipped' },
  archive: { state: 'success' },
  publish: { state: 'success' },
};

const latest = latestOnlyChain('diff_latest_only_latest');
const old = latestOnlyChain('diff_latest_only_old');
const future = latestOnlyChain('diff_latest_only_future');
const manual = latestOnlyChain('diff_latest_only_manual');
const backfill = latestOnlyChain('diff_latest_only_backfill');

const cases: DifferentialCase[] = [
  {
    name: 'the latest run (now inside its window) runs its direct downstream task',
    dag: latest,
    ctx: withWindow(latest, '2000-01-01T00:00:00.000Z', '2999-01-01T00:00:00.000Z'),
    expected: { status: 'SUCCEEDED', tasks: RAN },
  },
  {
    name: 'a run that is no longer the latest skips its all_done direct downstream; none_failed below runs',
    dag: old,
    ctx: withWindow(old, '2000-01-01T00:00:00.000Z', '2000-01-03T00:00:00.000Z'),
    expected: { status: 'SUCCEEDED', tasks: SKIPPED },
  },
  {
    name: 'a run whose interval has not started is not the latest',
    dag: future,
    ctx: withWindow(future, '2999-01-01T00:00:00.000Z', '2999-01-03T00:00:00.000Z'),
    expected: { status: 'SUCCEEDED', tasks: SKIPPED },
  },
  {
    name: 'a manual run (no window) goes on',
    dag: manual,
    expected: { status: 'SUCCEEDED', tasks: RAN },
  },
  {
    name: 'a backfill of an old interval, its context made as `airstep backfill` and the trigger make it',
    dag: backfill,
    ctx: intervalRunContext({
      dagId: backfill.id,
      timezone: 'UTC',
      interval: backfillIntervals(DAILY, '2026-11-02', '2026-11-02')[0]!,
      runType: 'backfill',
      params: {},
      conf: {},
      schedule: DAILY,
    }),
    expected: { status: 'SUCCEEDED', tasks: SKIPPED },
  },
];

/** Side by side: moto 5.2.5 cannot merge Parallel branches, so this one is compared on MiniStack 1.5.33. */
const wide = dag({ id: 'diff_latest_only_parallel', schedule: '@daily', startDate: '2026-11-01' });
const extract = wide.task('extract', noop);
const gate = wide.latestOnly('latest_only', { upstream: extract });
const refresh = wide.task('refresh', { upstream: gate }, noop);
const notify = wide.task('notify', { upstream: gate, triggerRule: 'always' }, noop);
const load = wide.task('load', { upstream: extract }, noop);
wide.task('report', { upstream: [refresh, notify, load], triggerRule: 'none_failed_min_one_success' }, noop);
const parallelCases: DifferentialCase[] = [
  {
    name: 'an old run skips both direct downstream tasks (also `always`) beside a branch that runs',
    dag: wide,
    ctx: withWindow(wide, '2000-01-01T00:00:00.000Z', '2000-01-03T00:00:00.000Z'),
    expected: {
      status: 'SUCCEEDED',
      tasks: {
        extract: { state: 'success' },
        latest_only: { state: 'success' },
        refresh: { state: 'skipped' },
        notify: { state: 'skipped' },
        load: { state: 'success' },
        report: { state: 'success' },
      },
    },
  },
];

/** A backstop only (a case ends in seconds): generous, as a loaded machine slows the emulators many times over. */
const GIVE_UP = { deadlineSeconds: 170 };

let moto: RunningEmulator;
let ministack: RunningEmulator;
beforeAll(async () => {
  [moto, ministack] = await Promise.all([startEmulator('moto'), startEmulator('ministack')]);
}, 180_000);
afterAll(async () => {
  await Promise.all([moto?.stop(), ministack?.stop()]);
});

describe('Differential: latestOnly, local engine = moto 5.2.5', () => {
  it.each(cases.map((test) => [test.name, test] as const))('%s', { timeout: 180_000 }, async (_name, test) => {
    const [local, remote] = await Promise.all([runLocal(test), runOnEmulator(test, moto.endpoint, GIVE_UP)]);
    expect(remote).toEqual(local.observed);
    expectAirflowOutcome(local.observed, test.expected);
    expectInstancesAgree(local);
  });
});

describe('Differential: latestOnly in Parallel branches, local engine = MiniStack 1.5.33', () => {
  it.each(parallelCases.map((test) => [test.name, test] as const))('%s', { timeout: 180_000 }, async (_name, test) => {
    const [local, remote] = await Promise.all([runLocal(test), runOnEmulator(test, ministack.endpoint, GIVE_UP)]);
    expect(remote).toEqual(local.observed);
    expectAirflowOutcome(local.observed, test.expected);
    expectInstancesAgree(local);
  });
});
