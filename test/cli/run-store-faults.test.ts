import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../lib/local/local-store.ts';
import { type ScratchProject, scratchProject } from '../helpers/scratch-project.ts';

/**
 * `airstep run` against its own store under faults: a second engine on the same run id, a run id run again, a
 * stale lock, and `kill -9` of the engine while one task has ended and another runs. Every wait is for a
 * condition (a record in the store, a process gone); the give-up times only stop a hang.
 */
const DAG = resolve('test/fixtures/local/store_hold.ts');
const RUN_ID = 'manual__2026-11-22T00:00:00+00:00';
const RUN_DIR = (project: ScratchProject) =>
  join(project.storeDir, 'runs', 'store_hold', RUN_ID.replace(/[^A-Za-z0-9_.-]/g, '_'));
let project: ScratchProject;
let release: string;

beforeAll(async () => {
  project = await scratchProject('run-store-faults');
  release = join(project.dir, 'release');
  // The CLI's children inherit it (scratchProject passes this process's environment).
  process.env.STORE_HOLD_FILE = release;
});
afterAll(async () => {
  // Lets a held task end in a worker an engine killed below may have left behind.
  if (release !== undefined) await writeFile(release, '');
  await project?.remove();
});

function startRun(...extra: string[]): ChildProcess {
  return spawn(process.execPath, [resolve('bin/airstep.js'), 'run', DAG, '--date', '2026-11-22', ...extra], {
    cwd: project.dir,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: 'ignore',
  });
}

/** Polls until `check` answers something (a condition, not a duration); gives up after 120 s. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const giveUp = Date.now() + 120_000;
  while (Date.now() < giveUp) {
    const found = await check();
    if (found !== undefined) return found;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** The engine's run record once `hold` is running (so `first` has succeeded). */
const holdRunning = () =>
  waitFor('hold to run', async () => {
    const tasks = await project.store.tasks('store_hold', RUN_ID);
    if (!tasks.some((task) => task.taskId === 'hold' && task.state === 'running')) return undefined;
    return (await project.store.runs('store_hold')).find((run) => run.runId === RUN_ID);
  });

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((done) => {
    // A child killed by a signal has no exit code but a signal code, and its exit event may have passed.
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode);
    else child.once('exit', (code) => done(code));
  });

describe('airstep run: one engine per run id, no silent overwrite', () => {
  it('refuses a second run of a run id another engine is running, naming its pid (exit 2)', async () => {
    const first = startRun();
    const running: RunRecord = await holdRunning();
    const second = await project.airstep('run', DAG, '--date', '2026-11-22');
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(
      `run ${RUN_ID} of store_hold is running in process ${running.pid}; wait for it to end, or stop that process`,
    );
    expect(second.stdout).toBe('');
    // The first engine's lock is still its own, and it ends its run as if nothing happened.
    expect((await readFile(join(RUN_DIR(project), 'run.lock'), 'utf8')).trim()).toBe(String(running.pid));
    await writeFile(release, '');
    expect(await exitOf(first)).toBe(0);
    expect(existsSync(join(RUN_DIR(project), 'run.lock'))).toBe(false);
  });

  it('refuses an ended run id without --rerun and changes nothing; --rerun replaces it', async () => {
    const before = await project.storeFiles();
    const again = await project.airstep('run', DAG, '--date', '2026-11-22');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`run ${RUN_ID} of store_hold already exists (success): pass --rerun to replace it`);
    expect(await project.storeFiles()).toEqual(before);

    const json = await project.airstep('run', DAG, '--date', '2026-11-22', '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: expect.stringContaining('--rerun') });

    const rerun = await project.airstep('run', DAG, '--date', '2026-11-22', '--rerun', '--json');
    expect(rerun.code).toBe(0);
    const [run] = await project.store.runs('store_hold');
    expect(run).toMatchObject({ runId: RUN_ID, state: 'success' });
    expect(run!.startedAt > (JSON.parse(before[join(RUN_DIR(project), 'run.json')]!) as RunRecord).startedAt).toBe(
      true,
    );
  });

  it('takes over the lock of an engine that is gone', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    await writeFile(join(RUN_DIR(project), 'run.lock'), `${dead}\n`);
    const rerun = await project.airstep('run', DAG, '--date', '2026-11-22', '--rerun');
    expect(rerun.code).toBe(0);
    expect(existsSync(join(RUN_DIR(project), 'run.lock'))).toBe(false);
  });

  it('keeps the task that succeeded and its log when the engine is killed (kill -9)', async () => {
    await rm(release, { force: true });
    const engine = startRun('--rerun');
    const running = await holdRunning();
    process.kill(running.pid, 'SIGKILL');
    await waitFor('the engine to be gone', async () => (isAlive(running.pid) ? undefined : true));
    await exitOf(engine);

    const tasks = await project.store.tasks('store_hold', RUN_ID);
    expect(tasks.find((task) => task.taskId === 'first')).toMatchObject({ state: 'success', tries: 1 });
    expect(await project.store.readLog('store_hold', RUN_ID, 'first', -1, 1)).toBe(
      'first: written before the engine was killed\n',
    );
    // The next command finds the run interrupted; running it again still asks for --rerun.
    const runs = await project.airstep('runs', '--json');
    expect(JSON.parse(runs.stdout).runs).toEqual([expect.objectContaining({ runId: RUN_ID, state: 'interrupted' })]);
    const again = await project.airstep('run', DAG, '--date', '2026-11-22');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists (interrupted): pass --rerun');
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('airstep backfill and the run lock', () => {
  it('leaves a run another live process holds the lock of to it (skipped, running), and runs the others', async () => {
    const backfill = await scratchProject('backfill-lock');
    try {
      // This test process stands for the other engine: alive, and not the backfill's own.
      const locked = join(backfill.storeDir, 'runs', 'hello_dev', 'backfill__2026-11-10T00_00_00_00_00');
      await mkdir(locked, { recursive: true });
      await writeFile(join(locked, 'run.lock'), `${process.pid}\n`);
      const result = await backfill.airstep(
        'backfill',
        resolve('test/fixtures/schedule/hello_dev.ts'),
        '--from',
        '2026-11-10',
        '--to',
        '2026-11-11',
        '--json',
      );
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout).runs).toEqual([
        expect.objectContaining({ runId: 'backfill__2026-11-10T00:00:00+00:00', state: 'skipped', note: 'running' }),
        expect.objectContaining({ runId: 'backfill__2026-11-11T00:00:00+00:00', state: 'success' }),
      ]);
      // The lock is still the other process's, and no record was written under it.
      expect((await readFile(join(locked, 'run.lock'), 'utf8')).trim()).toBe(String(process.pid));
      expect(existsSync(join(locked, 'run.json'))).toBe(false);
    } finally {
      await backfill.remove();
    }
  });
});

describe('airstep dev and the run lock', () => {
  it('reports a scheduled run whose run id another live process holds, and does not run it', async () => {
    const dev = await scratchProject('dev-lock');
    await mkdir(join(dev.dir, 'dags'));
    await mkdir(join(dev.dir, 'node_modules'));
    await symlink(resolve('.'), join(dev.dir, 'node_modules', 'airstep'), 'dir');
    await writeFile(join(dev.dir, 'package.json'), '{ "type": "module" }\n');
    await copyFile(resolve('test/fixtures/schedule/hello_dev.ts'), join(dev.dir, 'dags', 'hello.ts'));
    // hello_dev runs its latest daily interval at once: yesterday's (or, just after midnight, the day before's; or,
    // should midnight UTC pass before dev loads the file, today's). Each of these run ids is locked by this test
    // process, which stands for another engine.
    const day = 24 * 3600 * 1000;
    const midnight = Math.floor(Date.now() / day) * day;
    for (const start of [midnight, midnight - day, midnight - 2 * day]) {
      const runId = `scheduled__${new Date(start).toISOString().slice(0, 19)}+00:00`;
      const folder = join(dev.storeDir, 'runs', 'hello_dev', runId.replace(/[^A-Za-z0-9_.-]/g, '_'));
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, 'run.lock'), `${process.pid}\n`);
    }
    const child = spawn(process.execPath, [resolve('bin/airstep.js'), 'dev'], {
      cwd: dev.dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const refused = new RegExp(
        `hello_dev › (scheduled__\\S+): not run: run \\1 of hello_dev is running in process ${process.pid}`,
      );
      await waitFor('dev to report the locked run', async () => (refused.test(output) ? true : undefined));
      expect(await dev.store.runs('hello_dev')).toEqual([]);
    } finally {
      child.kill('SIGINT');
      await exitOf(child);
      await dev.remove();
    }
  });
});
