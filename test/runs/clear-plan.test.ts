import { describe, expect, it } from 'vitest';
import type { DagManifest } from '../../lib/compiler/manifest.ts';
import { type ClearedInstance, clearPlan } from '../../lib/runs/clear-plan.ts';

type Task = DagManifest['tasks'][number];
const task = (id: string, upstream: string[] = [], kind: Task['kind'] = 'code') =>
  ({ id, upstream, kind }) as unknown as Task;

// extract -> transform -> load; list -> each (mapped, 3 items) -> collect; side alone.
const manifest = {
  dagId: 'clear_counting',
  tasks: [
    task('extract'),
    task('transform', ['extract']),
    task('load', ['transform']),
    task('side'),
    task('list'),
    task('each', ['list']),
    task('collect', ['each']),
  ],
};
const failedRun: ClearedInstance[] = [
  { taskId: 'extract', mapIndex: -1, state: 'success', tries: 1, output: { rows: 3 } },
  { taskId: 'transform', mapIndex: -1, state: 'failed', tries: 2, error: 'Error' },
  { taskId: 'load', mapIndex: -1, state: 'upstream_failed', tries: 0 },
  { taskId: 'side', mapIndex: -1, state: 'skipped', tries: 1, reason: 'nothing to do' },
  { taskId: 'list', mapIndex: -1, state: 'success', tries: 1, output: [1, 2, 3] },
  { taskId: 'each', mapIndex: -1, state: 'failed', tries: 0 },
  { taskId: 'each', mapIndex: 0, state: 'success', tries: 1, output: 10 },
  { taskId: 'each', mapIndex: 1, state: 'failed', tries: 1, error: 'Error' },
  { taskId: 'each', mapIndex: 2, state: 'success', tries: 1, output: 30 },
  { taskId: 'collect', mapIndex: -1, state: 'upstream_failed', tries: 0 },
];

describe('clearPlan', () => {
  it('clears the failed and upstream_failed instances by default, per map index, and keeps the rest with their results', () => {
    const plan = clearPlan({ manifest, instances: failedRun, choice: {}, previousClears: 0 });
    expect(plan).toEqual({
      ok: true,
      cleared: ['collect', 'each', 'each[1]', 'load', 'transform'],
      clear: {
        attempt: 1,
        kept: {
          extract: { state: 'success', output: { rows: 3 }, try: 1 },
          side: { state: 'skipped', reason: 'nothing to do', try: 1 },
          list: { state: 'success', output: [1, 2, 3], try: 1 },
          'each[0]': { state: 'success', output: 10, try: 1 },
          'each[2]': { state: 'success', output: 30, try: 1 },
        },
        priorTries: { extract: 1, transform: 2, side: 1, list: 1, 'each[0]': 1, 'each[1]': 1, 'each[2]': 1 },
      },
    });
  });

  it('clears the interrupted instances of a run a signal stopped by default, keeping what ended', () => {
    const interruptedRun: ClearedInstance[] = [
      { taskId: 'list', mapIndex: -1, state: 'success', tries: 1, output: [1, 2] },
      { taskId: 'each', mapIndex: -1, state: 'interrupted', tries: 0 },
      { taskId: 'each', mapIndex: 0, state: 'success', tries: 1, output: 10 },
      { taskId: 'each', mapIndex: 1, state: 'interrupted', tries: 1 },
    ];
    const plan = clearPlan({ manifest, instances: interruptedRun, choice: {}, previousClears: 0 });
    expect(plan.ok && plan.cleared).toEqual(['each', 'each[1]']);
    expect(plan.ok && Object.keys(plan.clear.kept).sort()).toEqual(['each[0]', 'list']);
    const onlyFailed = clearPlan({
      manifest,
      instances: interruptedRun,
      choice: { onlyFailed: true },
      previousClears: 0,
    });
    expect(onlyFailed).toEqual({ ok: false, message: 'dag clear_counting: no failed task instance to clear' });
  });

  it('--failed clears only failed instances; an upstream_failed one is not kept (the state machine decides it again)', () => {
    const plan = clearPlan({ manifest, instances: failedRun, choice: { onlyFailed: true }, previousClears: 2 });
    expect(plan.ok && plan.cleared).toEqual(['each', 'each[1]', 'transform']);
    expect(plan.ok && plan.clear.attempt).toBe(3);
    expect(plan.ok && Object.keys(plan.clear.kept).sort()).toEqual(['each[0]', 'each[2]', 'extract', 'list', 'side']);
  });

  it('--task chooses by id in any state and keeps a failed instance it did not choose as failed', () => {
    const plan = clearPlan({ manifest, instances: failedRun, choice: { task: /^transform$/ }, previousClears: 0 });
    expect(plan.ok && plan.cleared).toEqual(['transform']);
    expect(plan.ok && plan.clear.kept['each[1]']).toEqual({ state: 'failed', error: 'Error', try: 1 });
  });

  it('--downstream adds every task downstream of the chosen ones, whatever their state', () => {
    const plan = clearPlan({
      manifest,
      instances: failedRun,
      choice: { task: /^extract$/, downstream: true },
      previousClears: 0,
    });
    expect(plan.ok && plan.cleared).toEqual(['extract', 'load', 'transform']);
    expect(plan.ok && 'extract' in plan.clear.kept).toBe(false);
  });

  it('refuses a choice that clears nothing, naming the DAG', () => {
    const succeeded = failedRun.map((instance) => ({ ...instance, state: 'success' as const }));
    expect(clearPlan({ manifest, instances: succeeded, choice: {}, previousClears: 0 })).toEqual({
      ok: false,
      message: 'dag clear_counting: no failed, upstream_failed or interrupted task instance to clear',
    });
    expect(clearPlan({ manifest, instances: failedRun, choice: { task: /^nope/ }, previousClears: 0 })).toEqual({
      ok: false,
      message: 'dag clear_counting: --task /^nope/ matches no task',
    });
  });

  it('refuses to keep a native step that succeeded: a new execution would run it again', () => {
    const native = { dagId: 'd', tasks: [task('put', [], 'native'), task('after', ['put'])] };
    const plan = clearPlan({
      manifest: native,
      instances: [
        { taskId: 'put', mapIndex: -1, state: 'success', tries: 1 },
        { taskId: 'after', mapIndex: -1, state: 'failed', tries: 1 },
      ],
      choice: {},
      previousClears: 0,
    });
    expect(plan).toEqual({
      ok: false,
      message:
        "dag d › task put: a native step that succeeded cannot be kept (a new execution would run it again); clear it too, e.g. --task '^put$' --downstream",
    });
  });
  it('lists the kept empty tasks with outlets by payload key (their events were recorded), not those it clears', () => {
    const outlets = [{ kind: 'asset', uri: 's3://lake/x' }];
    const withOutlets = (id: string, key: string, kind: Task['kind'], upstream: string[] = []) =>
      ({ id, key, upstream, kind, outlets }) as unknown as Task;
    const markers = {
      dagId: 'markers',
      tasks: [
        withOutlets('grp.marks', 'grp_marks', 'empty'),
        withOutlets('again', 'again', 'empty'),
        task('plain_empty', [], 'empty'),
        withOutlets('work', 'work', 'code'),
      ],
    };
    const instances: ClearedInstance[] = [
      { taskId: 'grp.marks', mapIndex: -1, state: 'success' },
      { taskId: 'again', mapIndex: -1, state: 'success' },
      { taskId: 'plain_empty', mapIndex: -1, state: 'success' },
      { taskId: 'work', mapIndex: -1, state: 'failed', tries: 1, error: 'Error' },
    ];
    const plan = clearPlan({ manifest: markers, instances, choice: { task: /^(work|again)$/ }, previousClears: 0 });
    expect(plan.ok && plan.clear.outletsRecorded).toEqual({ grp_marks: true });
    // A whole-run clear keeps nothing: nothing is listed.
    const whole = clearPlan({ manifest: markers, instances, choice: { wholeRun: true }, previousClears: 0 });
    expect(whole.ok && whole.clear).not.toHaveProperty('outletsRecorded');
  });
});
