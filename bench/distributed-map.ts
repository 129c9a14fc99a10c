/**
 * `airstep run` of dags/examples/large_mapping.ts, whose mapping compiles to a Distributed Map, over 100,000 items
 * (its `objects` conf) in a cold process with the default maxActiveTasks: wall time, items per second, the
 * engine's peak resident memory (VmHWM) and the compiled ASL's history estimate (the run's own history holds the
 * Map's events only). Figures only: nothing here asserts a time.
 *
 *   npm run bench:dmap                       100,000 items
 *   npm run bench:dmap -- --items 20000
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
const ITEMS = itemsArg > 0 ? Number(process.argv[itemsArg + 1]) : 100_000;

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
const dir = await mkdtemp(join(tmpdir(), 'airstep-bench-dmap-'));
try {
  const started = performance.now();
  const engine = spawnCli(
    dir,
    {},
    'run',
    resolve('dags/examples/large_mapping.ts'),
    '--conf',
    JSON.stringify({ objects: ITEMS }),
  );
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, peakMib(engine.pid) ?? 0);
  }, 100);
  const end = await engine.exited;
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  if (end.code !== 0) throw new Error(`airstep run of ${ITEMS} items exited ${end.code}: ${engine.stderr()}`);
  console.log('items    seconds  items/s  peak MiB (engine)');
  console.log(
    `${String(ITEMS).padEnd(8)} ${seconds.toFixed(1).padStart(7)}  ${(ITEMS / seconds).toFixed(0).padStart(7)}  ${peak
      .toFixed(0)
      .padStart(8)}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
