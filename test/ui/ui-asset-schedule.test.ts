import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPage } from '../helpers/browser.ts';
import { processGone, type SpawnedCli, spawnCli, waitFor } from '../helpers/spawned-cli.ts';

/**
 * `airstep ui` in Chromium says what an asset-scheduled DAG runs on (not "manual only"): its condition, after its
 * time schedule when it has both.
 */
let project: string;
let ui: SpawnedCli;
let url: string;
let browser: Browser;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'airstep-ui-assets-'));
  await mkdir(join(project, 'node_modules'));
  await symlink(resolve('.'), join(project, 'node_modules', 'airstep'), 'dir');
  await symlink(resolve('test/fixtures/ui-assets/dags'), join(project, 'dags'), 'dir');
  await writeFile(join(project, 'package.json'), '{ "type": "module" }\n');
  ui = spawnCli(project, { UI_MARKER_DIR: project }, 'ui');
  const printed = await waitFor(
    () => /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(ui.stdout()) ?? undefined,
    'the UI address',
    60_000,
  );
  url = printed[1]!;
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (ui !== undefined && !processGone(ui.pid)) {
    process.kill(ui.pid, 'SIGINT');
    await ui.exited;
  }
  await rm(project, { recursive: true, force: true });
});

describe('airstep ui: asset schedules', () => {
  it("says each DAG's asset condition in the DAGs view and the grid", async () => {
    const { page, errors } = await newPage(browser);
    await page.goto(url);
    const only = page.locator('tr[data-dag="ui_on_assets"]');
    await only.waitFor();
    const text = await only.textContent();
    expect(text).toContain('on assets: s3://ui-lake/a & (s3://ui-lake/b | s3://ui-lake/c)');
    expect(text).not.toContain('manual only');
    expect(await page.locator('tr[data-dag="ui_timed_or_assets"]').textContent()).toContain(
      'every day at 00:00 (UTC) or on assets: s3://ui-lake/a',
    );
    await only.getByRole('link', { name: 'ui_on_assets' }).click();
    await page.getByText('on assets: s3://ui-lake/a & (s3://ui-lake/b | s3://ui-lake/c)').first().waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
