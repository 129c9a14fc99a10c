import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { inject } from 'vitest';

/**
 * How long one wait of a browser test may take before it fails: a backstop for a hang, never a pace. CI runs on a
 * loaded 2-core machine where a page that loads in 100 ms idle can take seconds. Use it for `expect.poll` too.
 */
export const BROWSER_WAIT_MS = 60_000;

/** Screenshots of the views, for a reader (and the README) to look at; gitignored, and left alone by the tree guard. */
export const SCREENSHOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output', 'screenshots');

/**
 * A headless Chromium (the one global setup found or installed). Close it in `afterAll`: a browser left open keeps
 * the test worker alive.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: inject('chromiumExecutable'),
    headless: true,
    timeout: 4 * BROWSER_WAIT_MS,
    args: [
      // Chromium refuses to start its sandbox as root (CI runs as root).
      '--no-sandbox',
      // Containers give /dev/shm 64 MiB, too small for a renderer; /tmp has room.
      '--disable-dev-shm-usage',
      // No GPU here: skip probing for one.
      '--disable-gpu',
    ],
  });
}

/** A page and what went wrong in it: console errors and uncaught exceptions, in the order they happened. */
export interface WatchedPage {
  readonly page: Page;
  /** `console.error: …` and `pageerror: …` lines; a view that works leaves this empty. */
  readonly errors: readonly string[];
}

/**
 * A page in a context of its own (no cookies or storage shared with other tests; closing the page closes it), whose
 * console errors and uncaught exceptions are collected, so a test can assert a view rendered without any.
 */
export async function newPage(browser: Browser): Promise<WatchedPage> {
  const page = await browser.newPage();
  page.setDefaultTimeout(BROWSER_WAIT_MS);
  page.setDefaultNavigationTimeout(BROWSER_WAIT_MS);
  const errors: string[] = [];
  // Chromium reports a failed request (a 404, a refused fetch) as a console error too.
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return { page, errors };
}

/**
 * Writes the page as `test-output/screenshots/<name>.png` (whole page) and answers the file's path. Names are
 * file names: each test chooses its own, so parallel test files never overwrite each other's.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`screenshot name ${JSON.stringify(name)}: use letters, digits, . _ -`);
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
