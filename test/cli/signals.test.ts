import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStore } from '../../lib/local/local-store.ts';
import { processGone, type SpawnedCli, spawnCli, waitFor } from '../helpers/spawned-cli.ts';

const SPINNING = resolve('test/fixtures/signals/spinning.ts');
const BIG_MAP = resolve('test/fixtures/signals/big_map.ts');
const SPINNING_DAILY = resolve('test/fixtures/signals/dev/spinning_daily.ts');

/** Each test's project folder and the engine it started (killed at the end if a test failed half-way). */
let dir: string | undefined;
let engine: SpawnedCli | undefined;
afterEach(async () => {
  if (engine !== undefined && !processGone(engine.pid)) process.kill(engine.pid, 'SIGKILL');
  engine = undefined;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function project(name: string): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), `airstep-signals-${name}-`));
  return dir;
}

/** The pids the fixture's tasks wrote, once every one of `files` exists. */
function pidsIn(folder: string, files: readonly string[]): number[] | undefined {
  if (!files.every((file) => existsSync(join(folder, file)))) return undefined;
  return files.map((file) => Number(readFileSync(join(folder, file), 'utf8')));
}

/** The worker processes of an engine: its children, as Linux lists them (`/proc/<pid>/task/*\/children`). */
async function childrenOf(pid: number): Promise<number[]> {
  const threads = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  return threads.flatMap((thread) => {
    try {
      return readFileSync(`/proc/${pid}/task/${thread}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
}

describe('airstep run: workers die with their engine', () => {
  it('leaves no worker behind after kill -9 of the engine, CPU-bound ones included', async () => {
    const cwd = await project('kill9');
    engine = spawnCli(cwd, { SIGNALS_DIR: cwd }, 'run', SPINNING);
    const spinning = await waitFor(() => pidsIn(cwd, ['spin_a.pid', 'spin_b.pid']), 'both tasks spinning');
    const workers = await childrenOf(engine.pid);
    expect(workers).toEqual(expect.arrayContaining(spinning));
    expect(spinning.every((pid) => !processGone(pid))).toBe(true);

    process.kill(engine.pid, 'SIGKILL');
    await engine.exited;
    // Every worker the engine had (the spinning two and any idle or still-starting one) ends on its own.
    await waitFor(() => workers.every(processGone), `workers ${workers.join(', ')} gone`);
  });
});

describe('airstep run: a stop signal during a large map', () => {
  for (const { signal, to, code } of [
    { signal: 'SIGTERM', to: 'the engine', code: 143 },
    { signal: 'SIGINT', to: 'its whole process group, as Ctrl-C', code: 130 },
  ] as const) {
    it(`${signal} sent to ${to} records the run and its unfinished tasks interrupted, exits ${code} with one line and no worker left`, async () => {
      const cwd = await project(signal.toLowerCase());
      engine = spawnCli(cwd, { SIGNALS_DIR: cwd, BIG_MAP_ITEMS: '5000' }, 'run', BIG_MAP);
      await waitFor(() => existsSync(join(cwd, 'item-0')), 'the first item running', 120_000);
      const workers = await childrenOf(engine.pid);
      expect(workers.length).toBeGreaterThan(0);

      process.kill(signal === 'SIGINT' ? -engine.pid : engine.pid, signal);
      const end = await engine.exited;

      expect(end).toEqual({ code, signal: null });
      expect(engine.stderr()).toBe('');
      const lines = engine.stdout().trim().split('\n');
      expect(lines.at(-1)).toMatch(
        new RegExp(`^run interrupted by ${signal}.*: 1 task instance ended, \\d+ interrupted`),
      );
      const store = new LocalStore(join(cwd, '.airstep'));
      const [run] = await store.runs('big_map');
      expect(run?.state).toBe('interrupted');
      const tasks = await store.tasks('big_map', run!.runId);
      expect(tasks.find((task) => task.taskId === 'items')?.state).toBe('success');
      expect(tasks.find((task) => task.taskId === 'each' && task.mapIndex === -1)?.state).toBe('interrupted');
      expect(tasks.filter((task) => task.state === 'running')).toEqual([]);
      await waitFor(() => workers.every(processGone), `workers ${workers.join(', ')} gone`);

      // A plain `clear` picks up what the signal stopped: the interrupted map, keeping the list it maps over.
      const clear = spawnCli(cwd, { SIGNALS_DIR: cwd }, 'clear', run!.runId, '--dag', 'big_map', '--dry-run', '--json');
      expect(await clear.exited).toEqual({ code: 0, signal: null });
      const plan = JSON.parse(clear.stdout()) as { cleared: string[]; kept: string[] };
      expect(plan.cleared).toContain('each');
      expect(plan.kept).toContain('items');
    });
  }
});

/** Every process below `pid` (children, their children…), as Linux lists them. */
async function descendantsOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const child of await childrenOf(pid)) found.push(child, ...(await descendantsOf(child)));
  return found;
}

/** A project as a user has it for `airstep dev`: `dags/` with the spinning daily DAG, `airstep` installed. */
async function devProject(name: string): Promise<string> {
  const cwd = await project(name);
  await mkdir(join(cwd, 'dags'));
  await mkdir(join(cwd, 'node_modules'));
  await symlink(resolve('.'), join(cwd, 'node_modules', 'airstep'), 'dir');
  await writeFile(join(cwd, 'package.json'), '{ "type": "module" }\n');
  await copyFile(SPINNING_DAILY, join(cwd, 'dags', 'spinning_daily.ts'));
  return cwd;
}

describe('airstep dev: its children and workers end with it', () => {
  it('Ctrl-C ends every child and worker (a CPU-bound one included) and records the run interrupted', async () => {
    const cwd = await devProject('dev-sigint');
    engine = spawnCli(cwd, { SIGNALS_DIR: cwd }, 'dev');
    await waitFor(() => existsSync(join(cwd, 'spin.pid')), 'the scheduled task spinning', 120_000);
    const below = await descendantsOf(engine.pid);
    expect(below).toContain(Number(readFileSync(join(cwd, 'spin.pid'), 'utf8')));

    process.kill(-engine.pid, 'SIGINT');
    await engine.exited;

    await waitFor(() => below.every(processGone), `processes ${below.join(', ')} gone`);
    const store = new LocalStore(join(cwd, '.airstep'));
    const [run] = await store.runs('spinning_daily');
    expect(run?.state).toBe('interrupted');
    expect((await store.tasks('spinning_daily', run!.runId)).map((task) => [task.taskId, task.state])).toEqual([
      ['spin', 'interrupted'],
    ]);
  });

  it('kill -9 of dev ends every child and worker, a CPU-bound one included', async () => {
    const cwd = await devProject('dev-kill9');
    engine = spawnCli(cwd, { SIGNALS_DIR: cwd }, 'dev');
    await waitFor(() => existsSync(join(cwd, 'spin.pid')), 'the scheduled task spinning', 120_000);
    const below = await descendantsOf(engine.pid);
    expect(below).toContain(Number(readFileSync(join(cwd, 'spin.pid'), 'utf8')));

    process.kill(engine.pid, 'SIGKILL');
    await engine.exited;

    await waitFor(() => below.every(processGone), `processes ${below.join(', ')} gone`);
  });
});
