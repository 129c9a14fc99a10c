/**
 * `airstep run` of one mapped task over many items (bench/fixtures/large_map.ts), cold process, default
 * maxActiveTasks (16): wall time, items per second and the engine's peak resident memory (VmHWM) for each size,
 * and how the time per item and the memory grow from the smallest size to each larger one (1.00× time per item
 * means the engine scales linearly). Figures only: nothing here asserts a time.
 *
 *   npm run bench:map                       1,000, 4,000 and 8,000 items
 *   npm run bench:map -- --items 1000,20000
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureDistBuilt } from '../test/build-dist.ts';
import { spawnCli } from '../test/helpers/spawned-cli.ts';

const itemsArg = process.argv.indexOf('--items');
const SIZES = (itemsArg > 0 ? process.argv[itemsArg + 1]! : '1000,4000,8000').split(',').map(Number);

/** The peak resident memory of a process so far, in MiB (Linux's VmHWM), or undefined once it is gone. */
function peakMib(pid: number): number | undefined {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) / 1024;
  } catch {
    return undefined;
  }
}

async function runMap(items: number): Promise<{ items: number; seconds: number; perSecond: number; peakMib: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'airstep-bench-map-'));
  try {
    const started = performance.now();
    const engine = spawnCli(dir, { LARGE_MAP_ITEMS: String(items) }, 'run', resolve('bench/fixtures/large_map.ts'));
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, peakMib(engine.pid) ?? 0);
    }, 100);
    const end = await engine.exited;
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;
    if (end.code !== 0) throw new Error(`airstep run of ${items} items exited ${end.code}: ${engine.stderr()}`);
    return { items, seconds, perSecond: items / seconds, peakMib: peak };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await ensureDistBuilt((line) => console.error(line));
const rows = [];
for (const items of SIZES) rows.push(await runMap(items));
const base = rows[0]!;
console.log('items    seconds  items/s  peak MiB  time/item vs first  memory vs first');
for (const row of rows) {
  const perItem = row.seconds / row.items / (base.seconds / base.items);
  console.log(
    `${String(row.items).padEnd(8)} ${row.seconds.toFixed(1).padStart(7)}  ${row.perSecond.toFixed(0).padStart(7)}  ` +
      `${row.peakMib.toFixed(0).padStart(8)}  ${perItem.toFixed(2).padStart(17)}×  ${(row.peakMib / base.peakMib).toFixed(2).padStart(14)}×`,
  );
}
