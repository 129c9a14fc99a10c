/**
 * `airstep run` of dags/examples/large_mapping.ts, whose mapping compiles to a Distributed Map, over 10,000,
 * 30,000 and 100,000 items (its `objects` conf), each in a cold process with the default maxActiveTasks: wall
 * time, items per second, the engine's peak resident memory (VmHWM) and the compiled ASL's history estimate (the
 * run's own history holds the Map's events only). Goals: linear time (items/s about the same at every size: the
 * `s/item ×` column near 1) and peak memory under half of the 933 MiB 100,000 items took before the run's live
 * task saves were paced and written a slice at a time (save-pacer.ts, json-list-text.ts); measured after, December
 * 2026 on 2 shared cores: 100,000 items in 213 s, 470 items/s, 684 MiB (not met yet: 30,000 items peak at
 * about 360 MiB before and after, so the rest is not the saves). Figures only: nothing here asserts a time.
 *
 *   npm run bench:dmap                       10,000, 30,000 and 100,000 items
 *   npm run bench:dmap -- --items 20000      one size
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import large from '../dags/examples/large_mapping.ts';
import { compileDag } from '../lib/compiler/compile-dag.ts';
import { LIMITS } from '../lib/compiler/limits.ts';
import { ensureDistBuilt } from '../test/build-dist.ts';
import { spawnCli } from '../test/helpers/spawned-cli.ts';

const itemsArg = process.argv.indexOf('--items');
const SIZES = itemsArg > 0 ? [Number(process.argv[itemsArg + 1])] : [10_000, 30_000, 100_000];

/** The peak resident memory of a process so far, in MiB (Linux's VmHWM), or undefined once it is gone. */
function peakMib(pid: number): number | undefined {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) / 1024;
  } catch {
    return undefined;
  }
}

const compiled = compileDag(large);
const stats = compiled.manifest!.stats.transitions;
const mapping = stats.mapped!.process_object!;
console.log(
  `compiled: process_object ${mapping.distributed !== undefined ? 'distributed' : 'inline'} ` +
    `(${mapping.items} items × ${mapping.eventsPerItem} events = ${mapping.historyEvents} inline); ` +
    `the run's own history about ${stats.historyEvents} events of ${LIMITS.historyEvents} ` +
    `(${compiled.problems.length === 0 ? 'passes' : 'fails'} the history-size check)`,
);

await ensureDistBuilt((line) => console.error(line));
/** One cold `airstep run` of `items` items: seconds and peak resident MiB of the engine process. */
async function runOnce(items: number): Promise<{ seconds: number; peak: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'airstep-bench-dmap-'));
  try {
    const started = performance.now();
    const engine = spawnCli(
      dir,
      {},
      'run',
      resolve('dags/examples/large_mapping.ts'),
      '--conf',
      JSON.stringify({ objects: items }),
    );
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, peakMib(engine.pid) ?? 0);
    }, 100);
    const end = await engine.exited;
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;
    if (end.code !== 0) throw new Error(`airstep run of ${items} items exited ${end.code}: ${engine.stderr()}`);
    return { seconds, peak };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

console.log('items    seconds  items/s  s/item ×  peak MiB (engine)  KiB/item');
let first: { items: number; seconds: number } | undefined;
for (const items of SIZES) {
  const { seconds, peak } = await runOnce(items);
  first ??= { items, seconds };
  // Time per item relative to the smallest size: 1 is linear growth.
  const perItemRatio = seconds / items / (first.seconds / first.items);
  console.log(
    `${String(items).padEnd(8)} ${seconds.toFixed(1).padStart(7)}  ${(items / seconds).toFixed(0).padStart(7)}  ${perItemRatio
      .toFixed(2)
      .padStart(8)}  ${peak.toFixed(0).padStart(17)}  ${((peak * 1024) / items).toFixed(1).padStart(8)}`,
  );
}
console.log(
  '\ns/item ×: seconds per item relative to the first size (1 = linear). KiB/item: peak over items, the fixed' +
    ' cost of the engine (its worker processes are not counted) included, so it falls as items grow.',
);
