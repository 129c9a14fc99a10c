import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../lib/local/local-store.ts';

const exec = promisify(execFile);
const CLI = resolve('bin/airstep.js');
const DAG = resolve('test/fixtures/schedule/daily_ds.ts');
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in a fresh working directory (its own `.airstep`); resolves with the exit code and output. */
async function airstep(cwd: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
async function workdir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'airstep-backfill-'));
  dirs.push(dir);
  return dir;
}

describe('airstep backfill', () => {
  it('--dry-run lists the intervals and run ids and writes nothing', async () => {
    const cwd = await workdir();
    const { code, stdout } = await airstep(
      cwd,
      'backfill',
      DAG,
      '--from',
      '2026-11-01',
      '--to',
      '2026-11-03',
      '--dry-run',
      '--json',
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      dagId: 'daily_ds',
      runs: ['01', '02', '03'].map((day) => ({
        runId: `backfill__2026-11-${day}T00:00:00+00:00`,
        logicalDate: `2026-11-${day}T00:00:00+00:00`,
        dataIntervalStart: `2026-11-${day}T00:00:00+00:00`,
        dataIntervalEnd: `2026-11-${String(Number(day) + 1).padStart(2, '0')}T00:00:00+00:00`,
        state: 'planned',
      })),
    });
    expect(existsSync(join(cwd, '.airstep'))).toBe(false);
  });

  it('runs each interval with its own ds, and a second backfill skips what already succeeded', async () => {
    const cwd = await workdir();
    const first = await airstep(
      cwd,
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
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).runs.map((run: { state: string }) => run.state)).toEqual([
      'success',
      'success',
      'success',
    ]);

    const store = new LocalStore(join(cwd, '.airstep'));
    for (const day of ['01', '02', '03']) {
      const tasks = await store.tasks('daily_ds', `backfill__2026-11-${day}T00:00:00+00:00`);
      expect(tasks.map((task) => [task.taskId, task.state, task.output])).toEqual([
        [
          'report',
          'success',
          { ds: `2026-11-${day}`, runType: 'backfill', start: `2026-11-${day}T00:00:00+00:00`, label: 'b' },
        ],
      ]);
    }

    const again = await airstep(
      cwd,
      'backfill',
      DAG,
      '--from',
      '2026-11-02',
      '--to',
      '2026-11-04',
      '--reverse',
      '--json',
    );
    expect(again.code).toBe(0);
    expect(
      JSON.parse(again.stdout).runs.map((run: { runId: string; state: string }) => [run.runId, run.state]),
    ).toEqual([
      ['backfill__2026-11-04T00:00:00+00:00', 'success'],
      ['backfill__2026-11-03T00:00:00+00:00', 'skipped'],
      ['backfill__2026-11-02T00:00:00+00:00', 'skipped'],
    ]);
  }, 60_000);

  it('refuses bad input with exit 2 and writes nothing', async () => {
    const cwd = await workdir();
    const cases = [
      {
        args: ['--from', '2026-11-05', '--to', '2026-11-01'],
        message: "to: to '2026-11-01' is before from '2026-11-05'",
      },
      { args: ['--from', '2026-13-01', '--to', '2026-11-01'], message: 'from' },
      {
        args: ['--from', '2026-11-01', '--to', '2026-11-02', '--dag', 'nope'],
        message: "no DAG 'nope' (found: daily_ds)",
      },
      { args: ['--from', '2026-11-01', '--to', '2026-11-02', '--conf', '{"label":5}'], message: 'params.label' },
    ];
    for (const { args, message } of cases) {
      const { code, stderr } = await airstep(cwd, 'backfill', DAG, ...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toContain(message);
    }
    const manual = await airstep(
      cwd,
      'backfill',
      resolve('dags/examples/csv_to_json.ts'),
      '--from',
      '2026-11-01',
      '--to',
      '2026-11-02',
    );
    expect(manual.code).toBe(2);
    expect(manual.stderr).toContain('schedule null has no intervals to backfill');
    expect(existsSync(join(cwd, '.airstep'))).toBe(false);
  }, 30_000);
});
