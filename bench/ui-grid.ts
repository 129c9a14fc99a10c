/**
 * `airstep ui`'s page weight and grid speed (issue 14's targets: first page ≤ 300 KB gzipped; the grid of 100 runs ×
 * 50 tasks renders in < 300 ms). A project with one 50-task DAG and 100 recorded runs is made in a temporary folder;
 * the UI server answers it; Debian's Chromium (through playwright-core) opens the grid. Printed: the gzipped size
 * of what the first page loads; the server's answer time for the grid's data; and the page's render time: from
 * asking for the grid (its data answered at once from memory, so only the page is timed) until all 5,000 cells are
 * in the document and painted, median of 7. Figures only: nothing here asserts a time.
 *
 *   npm run bench:ui
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { LocalPlace } from '../lib/cli/ui/local-place.ts';
import { startUiServer } from '../lib/cli/ui/ui-server.ts';
import { UiSource } from '../lib/cli/ui/ui-source.ts';
import { LocalStore } from '../lib/local/local-store.ts';
import { ensureDistBuilt } from '../test/build-dist.ts';
import { ensureChromium } from '../test/helpers/chromium.ts';

const RUNS = 100;
const TASKS = 50;
const ROUNDS = 7;

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

await ensureDistBuilt((line) => console.error(line));
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

  const [html, script, style] = await Promise.all([
    (await fetch(ui.url)).text(),
    readFile('dist/web/app.js'),
    readFile('dist/web/app.css'),
  ]);
  const firstPage = [Buffer.from(html), script, style].reduce((sum, part) => sum + gzipSync(part).length, 0);

  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  // The grid's data from memory: the render is timed, not the server.
  await page.route('**/api/dags/wide/grid*', (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: grid }),
  );
  await page.goto(ui.url);
  await page.locator('table.dags').waitFor();
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // A string, not a function: tsx compiles functions with helpers the page does not have.
    const ms = (await page.evaluate(`new Promise((done) => {
      const started = performance.now();
      location.hash = '#/dags/wide';
      const check = () => {
        if (document.querySelectorAll('table.grid td.cell a').length >= ${RUNS * TASKS}) {
          // The frame after the cells are in: they are painted by then.
          requestAnimationFrame(() => done(performance.now() - started));
        } else requestAnimationFrame(check);
      };
      check();
    })`)) as number;
    times.push(ms);
    await page.evaluate("location.hash = '#/'");
    await page.locator('table.dags').waitFor();
  }
  times.sort((a, b) => a - b);
  console.log(`first page (HTML + app.js + app.css), gzipped: ${(firstPage / 1024).toFixed(1)} KB (target ≤ 300 KB)`);
  console.log(
    `grid data for ${RUNS} runs × ${TASKS} tasks from the server: ${serverMs.toFixed(0)} ms (${(grid.length / 1024).toFixed(0)} KB of JSON)`,
  );
  console.log(
    `grid render, ${RUNS * TASKS} cells: median ${times[Math.floor(ROUNDS / 2)]!.toFixed(0)} ms, fastest ${times[0]!.toFixed(0)} ms, slowest ${times[ROUNDS - 1]!.toFixed(0)} ms (target < 300 ms)`,
  );
} finally {
  await browser.close();
  await ui.close();
  await rm(dir, { recursive: true, force: true });
}
