/**
 * `airstep ui`'s page weight and grid speed (issue 14's targets: first page ≤ 300 KB gzipped; the grid of 100 runs ×
 * 50 tasks renders in < 300 ms). A project with one 50-task DAG and 100 recorded runs is made in a temporary folder;
 * the UI server answers it; Debian's Chromium (through playwright-core) opens the grid. Printed: the gzipped size
 * of what the first page loads; the server's answer time for the grid's data; and the page's render time: from
 * asking for the grid (its data answered at once from memory, so only the page is timed) until all 5,000 cells are
 * in the document and painted. Each of 7 rounds loads the page afresh and renders the grid three times: the median of
 * the later renders (code warm) is the figure, the first ones (code cold) are printed too, with the load average
 * before and after. Then 5 more renders are traced for the CPU time the page's main thread spent on them, a figure
 * that waiting for a core does not swell. Figures only: nothing here asserts a time.
 *
 * `--against <git ref>` also builds that commit's page (its lib/web, lib/errors and bin/build-web.ts, in a temporary
 * folder) and times both in the same run, round by round in turn in one tab, so both meet the same noise; the ratio
 * of their medians is the figure to compare on a busy machine.
 *
 *   npm run bench:ui
 *   npm run bench:ui -- --against main
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism as availableCores, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type Browser, chromium, type Page } from 'playwright-core';
import { LocalPlace } from '../lib/cli/ui/local-place.ts';
import { startUiServer } from '../lib/cli/ui/ui-server.ts';
import { UiSource } from '../lib/cli/ui/ui-source.ts';
import { InternalError } from '../lib/errors/airstep-error.ts';
import { LocalStore } from '../lib/local/local-store.ts';
import { ensureDistBuilt } from '../test/build-dist.ts';
import { ensureChromium } from '../test/helpers/chromium.ts';

const RUNS = 100;
const TASKS = 50;
/** Rounds, each a fresh page load and 1 + AGAIN renders (in turn with the older build's, with --against). */
const ROUNDS = 7;
const AGAIN = 2;
/** Rounds whose second render is traced for its main-thread CPU time (after the timed rounds, which are not traced). */
const CPU_ROUNDS = 5;

/** A DAG of 50 tasks in five layers of ten, each task after the one above it. */
function wideDag(): string {
  const lines = ["import { dag } from 'airstep';", "const d = dag({ id: 'wide', schedule: '@daily' });"];
  for (let index = 0; index < TASKS; index++) {
    lines.push(`const t${index} = d.task('task_${String(index).padStart(2, '0')}', async () => ${index});`);
    if (index >= 10) lines.push(`t${index - 10}.then(t${index});`);
  }
  lines.push('export default d;');
  return `${lines.join('\n')}\n`;
}

async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'airstep-bench-ui-'));
  await mkdir(join(dir, 'dags'));
  await mkdir(join(dir, 'node_modules'));
  await symlink(resolve('.'), join(dir, 'node_modules', 'airstep'), 'dir');
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  await writeFile(join(dir, 'dags', 'wide.ts'), wideDag());
  const store = new LocalStore(join(dir, '.airstep'));
  const states = ['success', 'success', 'success', 'failed', 'upstream_failed', 'skipped'] as const;
  for (let run = 0; run < RUNS; run++) {
    const day = new Date(Date.UTC(2026, 0, 1) + run * 86_400_000).toISOString();
    const runId = `scheduled__${day.replace('.000Z', '+00:00')}`;
    await store.saveRun({
      dagId: 'wide',
      runId,
      runType: 'scheduled',
      logicalDate: day,
      file: join(dir, 'dags', 'wide.ts'),
      state: run % 7 === 0 ? 'failed' : 'success',
      startedAt: day,
      endedAt: day,
      conf: {},
      pid: 1,
      clockSpeed: 1,
    });
    await store.saveTasks(
      'wide',
      runId,
      Array.from({ length: TASKS }, (_, index) => ({
        taskId: `task_${String(index).padStart(2, '0')}`,
        mapIndex: -1,
        state: states[(run + index) % states.length]!,
        tries: 1,
        startedAt: day,
        durationMs: 1000 + index,
      })),
    );
  }
  return dir;
}

/** A commit's page, built from its own sources into a temporary folder: the folder and the commit's short hash. */
async function buildPageAt(ref: string): Promise<{ dir: string; commit: string }> {
  const run = promisify(execFile);
  const commit = (await run('git', ['rev-parse', '--short', `${ref}^{commit}`])).stdout.trim();
  const dir = await mkdtemp(join(tmpdir(), `airstep-bench-ui-${commit}-`));
  const archive = join(dir, 'sources.tar');
  await run('git', ['archive', '-o', archive, commit, 'lib/web', 'lib/errors', 'bin/build-web.ts']);
  await run('tar', ['-xf', archive, '-C', dir]);
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  await symlink(resolve('node_modules'), join(dir, 'node_modules'), 'dir');
  const { buildWeb } = (await import(pathToFileURL(join(dir, 'bin', 'build-web.ts')).href)) as {
    buildWeb: (outdir: string) => Promise<void>;
  };
  await buildWeb(join(dir, 'dist', 'web'));
  return { dir, commit };
}

/** What the first page loads (HTML, script, stylesheet), gzipped, in bytes. */
function gzippedSize(parts: readonly (string | Buffer)[]): number {
  return parts.reduce((sum, part) => sum + gzipSync(part).length, 0);
}

interface Build {
  readonly script: Buffer;
  readonly style: Buffer;
}

/**
 * A tab on the UI whose grid data is answered from memory, and whose page (script and stylesheet) is the build that
 * `serving` names when the tab loads: the same tab serves either build, so both meet the same browser.
 */
async function gridTab(browser: Browser, grid: string, serving: () => Build): Promise<Page> {
  const tab = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await tab.route('**/api/dags/wide/grid*', (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: grid }),
  );
  await tab.route('**/assets/app.js', (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: serving().script }),
  );
  await tab.route('**/assets/app.css', (route) =>
    route.fulfill({ status: 200, contentType: 'text/css; charset=utf-8', body: serving().style }),
  );
  return tab;
}

/**
 * One render of the grid, in ms: from the address naming it until every task cell (a link with its state, in the
 * table's body: the markup every version so far has) is in the document, and the frame after that, which paints them.
 * Then back to the DAGs view.
 */
async function timeGrid(tab: Page): Promise<number> {
  // A string, not a function: tsx compiles functions with helpers the page does not have.
  const ms = (await tab.evaluate(`new Promise((done) => {
    const started = performance.mark('grid-asked').startTime;
    location.hash = '#/dags/wide';
    const check = () => {
      if (document.querySelectorAll('table.grid tbody a[data-state]').length >= ${RUNS * TASKS}) {
        requestAnimationFrame(() => done(performance.mark('grid-painted').startTime - started));
      } else requestAnimationFrame(check);
    };
    check();
  })`)) as number;
  await tab.evaluate("location.hash = '#/'");
  await tab.locator('table.dags').waitFor();
  return ms;
}

/** A fresh load of the page, then its first render of the grid and AGAIN more (code warm, heap used): all in ms. */
async function timeFreshPage(tab: Page, url: string): Promise<{ first: number; again: number[] }> {
  await tab.goto(url);
  await tab.locator('table.dags').waitFor();
  const first = await timeGrid(tab);
  const again: number[] = [];
  for (let render = 0; render < AGAIN; render++) again.push(await timeGrid(tab));
  return { first, again };
}

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  /** CPU time of the thread, µs. */
  readonly tdur?: number;
}

/**
 * The CPU time, in ms, that the page's main thread spent on one render of the grid (timeGrid's marks bound it), from
 * a Chromium trace: the tasks of that thread between the marks, their thread time. Waiting for a core on a busy
 * machine is not in it, so it varies less than the time on the clock (a core shared with a busy sibling still
 * slows it).
 */
async function cpuOfGrid(browser: Browser, tab: Page): Promise<number> {
  await browser.startTracing(tab, {
    categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing'],
  });
  await timeGrid(tab);
  const { traceEvents } = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] };
  const asked = traceEvents.find((event) => event.name === 'grid-asked');
  const painted = traceEvents.find((event) => event.name === 'grid-painted');
  if (asked === undefined || painted === undefined) throw new InternalError('the trace has no marks of the render');
  const tasks = traceEvents.filter(
    (event) =>
      event.name === 'RunTask' &&
      event.ph === 'X' &&
      event.pid === asked.pid &&
      event.tid === asked.tid &&
      event.ts + (event.dur ?? 0) > asked.ts &&
      event.ts < painted.ts,
  );
  return tasks.reduce((sum, task) => sum + (task.tdur ?? 0), 0) / 1000;
}

function summary(times: readonly number[]): { median: number; text: string } {
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return {
    median,
    text: `median ${median.toFixed(0)} ms, fastest ${sorted[0]!.toFixed(0)} ms, slowest ${sorted.at(-1)!.toFixed(0)} ms`,
  };
}

const load = () =>
  loadavg()
    .map((figure) => figure.toFixed(2))
    .join(' ');

const { values: options } = parseArgs({ options: { against: { type: 'string' } } });
await ensureDistBuilt((line) => console.error(line));
const baseline = options.against !== undefined ? await buildPageAt(options.against) : undefined;
const dir = await project();
const ui = await startUiServer(new UiSource(new LocalPlace(dir, ['dags'])));
const browser = await chromium.launch({
  executablePath: await ensureChromium((line) => console.error(line)),
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
try {
  const token = new URL(ui.url).searchParams.get('token')!;
  const api = (path: string) => fetch(`http://127.0.0.1:${ui.port}${path}`, { headers: { 'x-airstep-token': token } });
  await (await api('/api/dags')).json();
  const asked = performance.now();
  const grid = await (await api(`/api/dags/wide/grid?runs=${RUNS}`)).text();
  const serverMs = performance.now() - asked;

  const html = await (await fetch(ui.url)).text();
  const current = { script: await readFile('dist/web/app.js'), style: await readFile('dist/web/app.css') };
  const before =
    baseline !== undefined
      ? {
          script: await readFile(join(baseline.dir, 'dist', 'web', 'app.js')),
          style: await readFile(join(baseline.dir, 'dist', 'web', 'app.css')),
        }
      : undefined;

  let serving: Build = current;
  const tab = await gridTab(browser, grid, () => serving);
  const times = { first: [] as number[], again: [] as number[] };
  const beforeTimes = { first: [] as number[], again: [] as number[] };
  const measure = async (build: Build, into: typeof times) => {
    serving = build;
    const { first, again } = await timeFreshPage(tab, ui.url);
    into.first.push(first);
    into.again.push(...again);
  };
  const loadBefore = load();
  for (let round = 0; round < ROUNDS; round++) {
    // In turn, the older page first in odd rounds, so neither always runs right after the other.
    if (before !== undefined && round % 2 === 1) await measure(before, beforeTimes);
    await measure(current, times);
    if (before !== undefined && round % 2 === 0) await measure(before, beforeTimes);
  }
  const cpu: number[] = [];
  const beforeCpu: number[] = [];
  for (let round = 0; round < CPU_ROUNDS; round++) {
    for (const [build, into] of round % 2 === 0
      ? ([
          [current, cpu],
          [before, beforeCpu],
        ] as const)
      : ([
          [before, beforeCpu],
          [current, cpu],
        ] as const)) {
      if (build === undefined) continue;
      serving = build;
      await tab.goto(ui.url);
      await tab.locator('table.dags').waitFor();
      await timeGrid(tab);
      into.push(await cpuOfGrid(browser, tab));
    }
  }
  const loadAfter = load();

  console.log(
    `first page (HTML + app.js + app.css), gzipped: ${(gzippedSize([html, current.script, current.style]) / 1024).toFixed(1)} KB (target ≤ 300 KB)` +
      (before !== undefined
        ? `; ${baseline!.commit}'s: ${(gzippedSize([html, before.script, before.style]) / 1024).toFixed(1)} KB`
        : ''),
  );
  console.log(
    `grid data for ${RUNS} runs × ${TASKS} tasks from the server: ${serverMs.toFixed(0)} ms (${(grid.length / 1024).toFixed(0)} KB of JSON)`,
  );
  const now = summary(times.again);
  console.log(`grid render, ${RUNS * TASKS} cells: ${now.text} (target < 300 ms)`);
  console.log(`  the first render after the page loads: ${summary(times.first).text}`);
  const nowCpu = summary(cpu);
  console.log(`  its main thread's CPU time (traced, ${CPU_ROUNDS} renders): ${nowCpu.text}`);
  if (before !== undefined) {
    const then = summary(beforeTimes.again);
    const thenFirst = summary(beforeTimes.first);
    const thenCpu = summary(beforeCpu);
    console.log(`the same at ${baseline!.commit} (${options.against}), rounds in turn: ${then.text}`);
    console.log(`  the first render after the page loads: ${thenFirst.text}`);
    console.log(`  its main thread's CPU time (traced, ${CPU_ROUNDS} renders): ${thenCpu.text}`);
    const ratio = (a: { median: number }, b: { median: number }) => (a.median / b.median).toFixed(2);
    console.log(
      `this page / ${baseline!.commit}'s, medians: ${ratio(now, then)} (first renders: ${ratio(summary(times.first), thenFirst)}; CPU: ${ratio(nowCpu, thenCpu)})`,
    );
  }
  console.log(
    `load average (1, 5, 15 min) before the renders: ${loadBefore}; after: ${loadAfter} (${availableCores()} cores)`,
  );
} finally {
  await browser.close();
  await ui.close();
  await rm(dir, { recursive: true, force: true });
  if (baseline !== undefined) await rm(baseline.dir, { recursive: true, force: true });
}
