import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import type { RunRecord } from '../../lib/local/local-store.ts';
import { type ScratchProject, scratchProject } from '../helpers/scratch-project.ts';

const DAG = resolve('test/fixtures/schedule/daily_ds.ts');
const projects: ScratchProject[] = [];
afterAll(async () => {
  for (const project of projects) await project.remove();
});

/** A project of its own for one test (its own `.airstep`), removed after the file. */
async function ownProject(): Promise<ScratchProject> {
  const project = await scratchProject('backfill');
  projects.push(project);
  return project;
}
const day = (d: string) => `2026-11-${d}T00:00:00+00:00`;
const byRunId = (runs: RunRecord[]) => new Map(runs.map((run) => [run.runId, run]));

/** The most runs that were running at the same instant. */
function mostAtOnce(runs: readonly RunRecord[]): number {
  const edges = runs.flatMap((run) => [
    { at: Date.parse(run.startedAt), step: 1 },
    { at: Date.parse(run.endedAt!), step: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let now = 0;
  let most = 0;
  for (const edge of edges) {
    now += edge.step;
    most = Math.max(most, now);
  }
  return most;
}

// Each test has its own working directory, so they run side by side.
describe.concurrent('airstep backfill', () => {
  it('--dry-run lists logical date, data interval and run id of each run, and writes nothing', async ({ expect }) => {
    const project = await ownProject();
    const range = ['--from', '2026-11-01', '--to', '2026-11-03', '--dry-run'];
    const [text, json] = await Promise.all([
      project.airstep('backfill', DAG, ...range),
      project.airstep('backfill', DAG, ...range, '--json'),
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      [
        'daily_ds: 3 runs from 2026-11-01 to 2026-11-03 (dry run: nothing runs)',
        'run id                               logical date               data interval',
        `backfill__${day('01')}  ${day('01')}  ${day('01')} → ${day('02')}`,
        `backfill__${day('02')}  ${day('02')}  ${day('02')} → ${day('03')}`,
        `backfill__${day('03')}  ${day('03')}  ${day('03')} → ${day('04')}`,
        '',
      ].join('\n'),
    );
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      dagId: 'daily_ds',
      runs: ['01', '02', '03'].map((d) => ({
        runId: `backfill__${day(d)}`,
        logicalDate: day(d),
        dataIntervalStart: day(d),
        dataIntervalEnd: day(String(Number(d) + 1).padStart(2, '0')),
        state: 'planned',
      })),
    });
    expect(existsSync(project.storeDir)).toBe(false);
  });

  it('runs each interval with its own ds, maxActiveRuns at a time in order; later backfills leave existing runs, --reprocess failed re-runs failed ones', async ({
    expect,
  }) => {
    const project = await ownProject();
    const { store } = project;
    const first = await project.airstep(
      'backfill',
      DAG,
      '--from',
      '2026-11-01',
      '--to',
      '2026-11-03',
      '--json',
      '--conf',
      '{"label":"b"}',
    );
    expect(first.code, first.stderr).toBe(0);
    expect(
      JSON.parse(first.stdout).runs.map((run: { runId: string; state: string }) => [run.runId, run.state]),
    ).toEqual([
      [`backfill__${day('01')}`, 'success'],
      [`backfill__${day('02')}`, 'success'],
      [`backfill__${day('03')}`, 'success'],
    ]);
    for (const d of ['01', '02', '03']) {
      const tasks = await store.tasks('daily_ds', `backfill__${day(d)}`);
      expect(tasks.map((task) => [task.taskId, task.state, task.output])).toEqual([
        ['report', 'success', { ds: `2026-11-${d}`, runType: 'backfill', start: day(d), label: 'b' }],
      ]);
    }
    // maxActiveRuns is 2: the third run waits for one of the first two, and they start oldest first.
    const runs = byRunId(await store.runs('daily_ds'));
    const [r1, r2, r3] = ['01', '02', '03'].map((d) => runs.get(`backfill__${day(d)}`)!);
    expect([r1, r2, r3].map((run) => run!.runType)).toEqual(['backfill', 'backfill', 'backfill']);
    expect(mostAtOnce([r1!, r2!, r3!])).toBe(2);
    expect(r1!.startedAt <= r2!.startedAt && r2!.startedAt <= r3!.startedAt).toBe(true);
    expect(r3!.startedAt >= [r1!.endedAt!, r2!.endedAt!].sort()[0]!).toBe(true);

    // Newest first, with a conf that makes the task fail: 05 and 04 run (05 first) and fail, 03 and 02 are skipped.
    const failing = await project.airstep(
      'backfill',
      DAG,
      '--from',
      '2026-11-02',
      '--to',
      '2026-11-05',
      '--reverse',
      '--conf',
      '{"label":"fail"}',
    );
    expect(failing.code, failing.stderr).toBe(1);
    const lines = failing.stdout.split('\n');
    expect(lines).toContain(`  skipped backfill__${day('03')} (already succeeded)`);
    expect(lines).toContain(`  skipped backfill__${day('02')} (already succeeded)`);
    expect(lines.filter((line) => line.startsWith('  running'))).toEqual([
      `  running backfill__${day('05')}`,
      `  running backfill__${day('04')}`,
    ]);
    const table = lines.slice(lines.indexOf('run id                               state    duration'));
    expect(table.slice(1, 5).map((line) => line.split(/\s+/).slice(0, 2))).toEqual([
      [`backfill__${day('05')}`, 'failed'],
      [`backfill__${day('04')}`, 'failed'],
      [`backfill__${day('03')}`, 'skipped'],
      [`backfill__${day('02')}`, 'skipped'],
    ]);
    expect(table[5]).toBe('backfill failed: 2 failed, 2 skipped');

    // As Airflow 3's default reprocess behavior (none), a backfill leaves runs that exist alone, failed ones too.
    const again = await project.airstep('backfill', DAG, '--from', '2026-11-04', '--to', '2026-11-05', '--json');
    expect(again.code, again.stderr).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({
      ok: false,
      runs: [
        { runId: `backfill__${day('04')}`, state: 'skipped', note: 'already failed' },
        { runId: `backfill__${day('05')}`, state: 'skipped', note: 'already failed' },
      ],
    });

    // --reprocess failed runs them again, under the same ids, with its own conf; succeeded ones stay skipped.
    const retried = await project.airstep(
      'backfill',
      DAG,
      '--from',
      '2026-11-03',
      '--to',
      '2026-11-05',
      '--reprocess',
      'failed',
      '--json',
    );
    expect(retried.code, retried.stderr).toBe(0);
    expect(JSON.parse(retried.stdout)).toMatchObject({
      ok: true,
      runs: [
        { runId: `backfill__${day('03')}`, state: 'skipped', note: 'already succeeded' },
        { runId: `backfill__${day('04')}`, state: 'success' },
        { runId: `backfill__${day('05')}`, state: 'success' },
      ],
    });
    expect((await store.tasks('daily_ds', `backfill__${day('05')}`))[0]!.output).toMatchObject({ label: 'x' });
    const after = await store.runs('daily_ds');
    expect(after.map((run) => run.runId).sort()).toEqual(
      ['01', '02', '03', '04', '05'].map((d) => `backfill__${day(d)}`),
    );
    // Skipped runs were left as they were.
    expect(byRunId(after).get(`backfill__${day('02')}`)!.startedAt).toBe(r2!.startedAt);
  });
  it('refuses bad input with exit 2 and writes nothing', async ({ expect }) => {
    const project = await ownProject();
    const cases = [
      {
        args: [DAG, '--from', '2026-11-05', '--to', '2026-11-01'],
        message: "to: to '2026-11-01' is before from '2026-11-05'",
      },
      { args: [DAG, '--from', 'yesterday', '--to', '2026-11-01'], message: "daily_ds › from: from 'yesterday'" },
      { args: [DAG, '--from', '2026-11-01'], message: 'backfill needs both --from DATE and --to DATE' },
      {
        args: [DAG, '--from', '2026-11-01', '--to', '2026-11-02', '--dag', 'nope'],
        message: "no DAG 'nope' (found: daily_ds)",
      },
      {
        args: [DAG, '--from', '2026-11-01', '--to', '2026-11-02', '--reprocess', 'all'],
        message: "--reprocess: 'all' is not one of none, failed, completed",
      },
      {
        args: [DAG, '--from', '2026-11-01', '--to', '2026-11-02', '--no-wait'],
        message: '--no-wait is for a deployed stack (--stack or --outputs)',
      },
      {
        args: [resolve('dags/examples/csv_to_json.ts'), '--from', '2026-11-01', '--to', '2026-11-02'],
        message: 'schedule null has no intervals to backfill',
      },
    ];
    const results = await Promise.all(cases.map(({ args }) => project.airstep('backfill', ...args)));
    for (const [index, { args, message }] of cases.entries()) {
      expect(results[index]!.code, args.join(' ')).toBe(2);
      expect(results[index]!.stderr).toContain(message);
    }
    expect(existsSync(project.storeDir)).toBe(false);
  });
});
