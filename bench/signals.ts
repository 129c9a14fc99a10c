/**
 * How fast a stopped `airstep run` is done with (issue 13's targets: within 2 s each). Figures only: nothing
 * here asserts a time.
 * - SIGTERM / SIGINT during a map of N items (default 5,000; `--items n`): from the signal to the run recorded
 *   `interrupted` in run.json, to the engine's exit, and to the last worker process gone.
 * - `kill -9` of the engine while two tasks spin on the CPU: from the kill to the last worker process gone.
 *
 *   npm run bench:signals
 *   npm run bench:signals -- --items 40000
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureDistBuilt } from '../test/build-dist.ts';
import { processGone, spawnCli, waitFor } from '../test/helpers/spawned-cli.ts';

const itemsArg = process.argv.indexOf('--items');
const ITEMS = itemsArg > 0 ? Number(process.argv[itemsArg + 1]) : 5000;
const GIVE_UP_MS = 600_000;

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

async function runState(dir: string): Promise<string | undefined> {
  const runs = join(dir, '.airstep', 'runs', 'big_map');
  const [runDir] = await readdir(runs).catch(() => [] as string[]);
  if (runDir === undefined) return undefined;
  const text = await readFile(join(runs, runDir, 'run.json'), 'utf8').catch(() => '');
  return text === '' ? undefined : (JSON.parse(text) as { state: string }).state;
}

async function stopMap(signal: 'SIGTERM' | 'SIGINT'): Promise<Record<string, number | string>> {
  const dir = await mkdtemp(join(tmpdir(), 'airstep-bench-signals-'));
  try {
    const engine = spawnCli(
      dir,
      { SIGNALS_DIR: dir, BIG_MAP_ITEMS: String(ITEMS) },
      'run',
      resolve('test/fixtures/signals/big_map.ts'),
    );
    await waitFor(() => existsSync(join(dir, 'item-0')), 'the map running', GIVE_UP_MS);
    const workers = await childrenOf(engine.pid);
    const sentAt = performance.now();
    // SIGINT as a terminal's Ctrl-C sends it (to the whole group); SIGTERM as a process manager does (the engine).
    process.kill(signal === 'SIGINT' ? -engine.pid : engine.pid, signal);
    let recordedAt = 0;
    let exitedAt = 0;
    const exited = engine.exited.then((end) => {
      exitedAt = performance.now();
      return end;
    });
    await waitFor(async () => (await runState(dir)) === 'interrupted', 'the run recorded interrupted', GIVE_UP_MS);
    recordedAt = performance.now();
    const end = await exited;
    await waitFor(() => workers.every(processGone), 'the workers gone', GIVE_UP_MS);
    const goneAt = performance.now();
    return {
      signal,
      items: ITEMS,
      'recorded interrupted (s)': ((recordedAt - sentAt) / 1000).toFixed(2),
      'engine exited (s)': ((exitedAt - sentAt) / 1000).toFixed(2),
      'workers gone (s)': ((goneAt - sentAt) / 1000).toFixed(2),
      'exit code': end.code ?? String(end.signal),
      'stderr lines': engine.stderr().trim() === '' ? 0 : engine.stderr().trim().split('\n').length,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function killEngine(): Promise<Record<string, number | string>> {
  const dir = await mkdtemp(join(tmpdir(), 'airstep-bench-kill9-'));
  try {
    const engine = spawnCli(dir, { SIGNALS_DIR: dir }, 'run', resolve('test/fixtures/signals/spinning.ts'));
    await waitFor(
      () => existsSync(join(dir, 'spin_a.pid')) && existsSync(join(dir, 'spin_b.pid')),
      'spinning',
      GIVE_UP_MS,
    );
    const workers = await childrenOf(engine.pid);
    const sentAt = performance.now();
    process.kill(engine.pid, 'SIGKILL');
    await waitFor(() => workers.every(processGone), 'the workers gone', GIVE_UP_MS);
    return {
      signal: 'SIGKILL',
      workers: workers.length,
      'workers gone (s)': ((performance.now() - sentAt) / 1000).toFixed(2),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await ensureDistBuilt((line) => console.error(line));
console.table([await stopMap('SIGTERM'), await stopMap('SIGINT'), await killEngine()]);
