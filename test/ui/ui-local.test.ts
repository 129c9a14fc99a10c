import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLL_MS } from '../../lib/web/use-polled.ts';
import { BROWSER_WAIT_MS, launchBrowser, newPage, screenshot } from '../helpers/browser.ts';
import { processGone, type SpawnedCli, spawnCli, waitFor } from '../helpers/spawned-cli.ts';

/**
 * `airstep ui` in a real browser, as a user meets it: a project with two DAGs (test/fixtures/ui/dags), the UI
 * started on it, and the page driven through the DAGs view, the trigger form, the grid (live), a failed task's log,
 * Clear and Pause. Every wait is for something on the page (Playwright's locators and expect.poll); the 30 s per
 * wait is a backstop for a hang on a loaded machine, never a pace.
 */
let project: string;
let ui: SpawnedCli;
let url: string;
let browser: Browser;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'airstep-ui-'));
  await mkdir(join(project, 'node_modules'));
  await symlink(resolve('.'), join(project, 'node_modules', 'airstep'), 'dir');
  await symlink(resolve('test/fixtures/ui/dags'), join(project, 'dags'), 'dir');
  await writeFile(join(project, 'package.json'), '{ "type": "module" }\n');
  ui = spawnCli(project, { UI_MARKER_DIR: project }, 'ui');
  const printed = await waitFor(
    () => /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(ui.stdout()) ?? undefined,
    'the UI address',
    60_000,
  );
  url = printed[1]!;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  if (ui !== undefined && !processGone(ui.pid)) {
    process.kill(ui.pid, 'SIGINT');
    await ui.exited;
  }
  await rm(project, { recursive: true, force: true });
});

/** The grid cell of a task in the newest run (the rightmost column). */
function newestCell(page: Page, taskId: string) {
  return page.locator(`tr[data-task="${taskId}"] td.cells a`).last();
}

describe('airstep ui on a local project, in Chromium', () => {
  it('lists the DAGs, triggers one from its params form (refusing a bad value first), shows the run live, a failed task log, Clear, graph, Gantt, Mark and Pause', async () => {
    const { page, errors } = await newPage(browser);
    try {
      // DAGs: both, with schedule in words, tags, and a filter.
      await page.goto(url);
      const flowRow = page.locator('tr[data-dag="ui_flow"]');
      await flowRow.waitFor();
      expect(await flowRow.textContent()).toContain('every day at 00:00 (UTC)');
      await expect.poll(() => page.locator('table.dags tbody tr').count(), { timeout: BROWSER_WAIT_MS }).toBe(2);
      // A file that fails at import: its error with file and message; the other DAGs as usual.
      const importError = await page.locator('.import-errors li').textContent();
      expect(importError).toContain('ui_broken.ts');
      expect(importError).toContain('the warehouse config is missing');
      await page.getByLabel('Tag').selectOption('finance');
      await expect.poll(() => page.locator('table.dags tbody tr').count(), { timeout: BROWSER_WAIT_MS }).toBe(1);
      await page.getByLabel('Tag').selectOption('');

      // Trigger: the form from the params schema; a value under the minimum is named and blocks the button.
      await flowRow.getByRole('link', { name: 'Trigger' }).click();
      const limit = page.getByLabel('limit');
      await limit.fill('0');
      await page.getByText('Too small: expected number to be >=1').waitFor();
      expect(await page.getByRole('button', { name: 'Trigger' }).isDisabled()).toBe(true);
      await screenshot(page, 'ui-trigger');
      await limit.fill('2');
      await expect
        .poll(() => page.getByRole('button', { name: 'Trigger' }).isEnabled(), { timeout: BROWSER_WAIT_MS })
        .toBe(true);
      await page.getByLabel('Logical date').fill('2026-12-01');
      await page.getByRole('button', { name: 'Trigger' }).click();

      // The grid, live: the page is never reloaded; its cells change as the run goes on.
      await page.waitForURL(/#\/dags\/ui_flow$/);
      await expect
        .poll(() => newestCell(page, 'extract').getAttribute('data-state'), { timeout: BROWSER_WAIT_MS })
        .toBe('success');
      await expect
        .poll(() => newestCell(page, 'flaky').getAttribute('data-state'), { timeout: BROWSER_WAIT_MS })
        .toBe('failed');
      expect(await newestCell(page, 'load').getAttribute('data-state')).toBe('upstream_failed');
      expect(await page.locator('tr[data-task="each"] .mapped').textContent()).toBe('[3]');
      // The DAG's doc as Markdown, with the markup a sanitiser removes gone.
      await page.getByText('About this DAG').click();
      expect(await page.locator('.dag-doc strong').textContent()).toBe('Loads');
      expect(await page.locator('.dag-doc li').count()).toBe(2);
      expect(await page.locator('.dag-doc script, .dag-doc [onerror], .dag-doc a[href^="javascript"]').count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as { injected?: boolean }).injected)).toBeUndefined();
      await screenshot(page, 'ui-grid');

      // A cell says what it is, on hover and to a screen reader: its task, run and state.
      await page.getByRole('link', { name: 'flaky in manual__2026-12-01T00:00:00+00:00: failed' }).waitFor();
      expect(await newestCell(page, 'flaky').getAttribute('title')).toBe(
        'flaky in manual__2026-12-01T00:00:00+00:00: failed',
      );

      // The failed task: its error and the log of its try.
      await newestCell(page, 'flaky').click();
      await page.getByText('the warehouse is not ready yet').first().waitFor();
      await expect
        .poll(() => page.getByRole('log').textContent(), { timeout: BROWSER_WAIT_MS })
        .toContain('flaky: looking for the fixed marker');
      await screenshot(page, 'ui-task-instance');

      // Clear (asks first): with the marker in place the task runs again, to success, and `load` after it.
      await writeFile(join(project, 'fixed'), '');
      await page.getByRole('button', { name: 'Clear' }).click();
      await page.getByRole('button', { name: 'Confirm' }).click();
      await expect.poll(() => page.locator('h1 .badge').textContent(), { timeout: BROWSER_WAIT_MS }).toBe('success');
      // Both tries, each with its own state: the first's error stays with it.
      await expect
        .poll(() => page.locator('table.tries tbody tr').allTextContents(), { timeout: BROWSER_WAIT_MS })
        .toEqual([
          expect.stringMatching(/^1failed.*the warehouse is not ready yet$/),
          expect.stringMatching(/^2success/),
        ]);
      await page.getByRole('link', { name: 'ui_flow' }).first().click();
      await expect
        .poll(() => newestCell(page, 'load').getAttribute('data-state'), { timeout: BROWSER_WAIT_MS })
        .toBe('success');
      expect(await page.locator('table.grid thead .run-head').count()).toBe(1);

      // Graph (tasks only, coloured by the run's states) and the run's Gantt chart.
      await page.getByRole('link', { name: 'Graph' }).click();
      await page.locator('g.graph-node[data-task="load"][data-state="success"]').waitFor();
      expect(await page.locator('g.graph-node').count()).toBe(4);
      expect(await page.locator('path.graph-edge').count()).toBe(3);
      await screenshot(page, 'ui-graph');
      await page.getByRole('link', { name: 'Gantt' }).click();
      await page.locator('.gantt-row[data-task="flaky"]').waitFor();
      expect(await page.locator('.gantt-row[data-task="each[2]"] .gantt-bar').count()).toBeGreaterThan(0);
      // A bar per try: the failed first try, and the one Clear ran after it, marked as a retry.
      expect(await page.locator('.gantt-row[data-task="flaky"] .gantt-bar.state-failed[data-try="1"]').count()).toBe(1);
      expect(
        await page.locator('.gantt-row[data-task="flaky"] .gantt-bar.state-success.retry[data-try="2"]').count(),
      ).toBe(1);
      await screenshot(page, 'ui-gantt');

      // Mark (asks first), through `airstep mark`: the task instance says so.
      await page.getByRole('link', { name: 'Grid' }).click();
      await newestCell(page, 'load').click();
      await page.getByRole('button', { name: 'Mark failed' }).click();
      await page.getByRole('button', { name: 'Confirm' }).click();
      await expect.poll(() => page.locator('h1 .badge').textContent(), { timeout: BROWSER_WAIT_MS }).toBe('failed');

      // Pause (asks first), through `airstep pause`: the DAGs view says so, and so does the store.
      await page.getByRole('link', { name: 'DAGs' }).click();
      await flowRow.getByRole('button', { name: 'Pause' }).click();
      await flowRow.getByRole('button', { name: 'Confirm' }).click();
      await expect.poll(() => flowRow.locator('.paused').count(), { timeout: BROWSER_WAIT_MS }).toBe(1);
      const state = JSON.parse(await readFile(join(project, '.airstep', 'dags', 'ui_flow.json'), 'utf8')) as {
        pausedAt?: string;
      };
      expect(state.pausedAt).toBeDefined();
      await screenshot(page, 'ui-dags');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("stops asking for an ended try's log once two answers agree, while the run view keeps polling", async () => {
    const ran = spawnCli(project, {}, 'run', 'dags/ui_other.ts', '--date', '2026-12-02');
    expect((await ran.exited).code).toBe(0);
    const { page, errors } = await newPage(browser);
    // The page's timers run on Playwright's clock, moved by the test: each poll happens when the test says, so
    // "no more log requests" is counted over polls, not over seconds of a loaded machine.
    await page.clock.install();
    const asked = { log: 0, run: 0 };
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (/\/runs\/[^/]+\/log$/.test(path)) asked.log++;
      else if (/\/runs\/[^/]+$/.test(path)) asked.run++;
    });
    try {
      await page.goto(`${url}#/dags/ui_other`);
      await newestCell(page, 'only').click();
      await page.getByRole('log').waitFor();
      await expect.poll(() => asked.log, { timeout: BROWSER_WAIT_MS }).toBe(1);
      // Polls on: each one asks for the run; the ended try's log is asked once more (the same answer), then never.
      for (let poll = 1; poll <= 5; poll++) {
        const runsBefore = asked.run;
        await page.clock.runFor(POLL_MS);
        await expect.poll(() => asked.run, { timeout: BROWSER_WAIT_MS }).toBeGreaterThan(runsBefore);
      }
      expect(asked.log).toBe(2);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows what a DAG file says as text (markup in a description is never HTML), and folds task groups in the grid', async () => {
    const { page, errors } = await newPage(browser);
    try {
      await page.goto(`${url}#/dags/ui_other`);
      const description = page.locator('p.description');
      await description.waitFor();
      expect(await description.textContent()).toBe(
        'Finance <b>report</b> <img src=x onerror="window.injected = true">',
      );
      expect(await page.locator('p.description img, p.description b').count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as { injected?: boolean }).injected)).toBeUndefined();

      // Task groups fold: the group's row stays, its tasks' rows go, and come back.
      expect(await page.locator('tr[data-task="reports.daily"]').count()).toBe(1);
      await page.getByRole('button', { name: '▾ reports' }).click();
      await expect.poll(() => page.locator('tr[data-task^="reports."]').count(), { timeout: BROWSER_WAIT_MS }).toBe(0);
      expect(await page.locator('tr[data-group="reports"]').count()).toBe(1);
      await page.getByRole('button', { name: '▸ reports' }).click();
      await expect.poll(() => page.locator('tr[data-task^="reports."]').count(), { timeout: BROWSER_WAIT_MS }).toBe(2);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
