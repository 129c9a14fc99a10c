import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_WAIT_MS, launchBrowser, newPage, screenshot } from '../helpers/browser.ts';

/** One page whose button fills in text it fetches from the server that served it: what every UI view will do. */
const GREETING_PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Browser smoke test</title></head>
  <body>
    <h1>Airstep browser smoke test</h1>
    <button type="button" id="load">Load greeting</button>
    <p id="greeting">not loaded</p>
    <script>
      document.getElementById('load').addEventListener('click', async () => {
        const response = await fetch('/api/greeting');
        const { text } = await response.json();
        document.getElementById('greeting').textContent = text;
      });
    </script>
  </body>
</html>`;

/** A page that fails in both ways the helper watches for, to prove it notices. */
const BROKEN_PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Broken</title></head>
  <body>
    <p id="ready">ready</p>
    <script>
      console.error('the runs table could not be drawn');
      setTimeout(() => { throw new Error('undefined is not a run'); });
    </script>
  </body>
</html>`;

let server: Server;
let baseUrl: string;
let greetingsServed = 0;
let browser: Browser | undefined;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(GREETING_PAGE);
    } else if (request.url === '/broken') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(BROKEN_PAGE);
    } else if (request.url === '/api/greeting') {
      greetingsServed += 1;
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ text: `hello from the server (${greetingsServed})` }));
    } else if (request.url === '/favicon.ico') {
      // Chromium asks for it on every page; a 404 would be a console error that no view caused.
      response.writeHead(204).end();
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((closed) => server?.close(closed));
});

describe('the browser test helper (real Chromium through playwright-core)', () => {
  it('clicks a button, waits for the text the page fetched from its server, and saves a screenshot', async () => {
    const { page, errors } = await newPage(browser!);
    try {
      await page.goto(baseUrl);
      const greeting = page.locator('#greeting');
      expect(await greeting.textContent()).toBe('not loaded');

      await page.getByRole('button', { name: 'Load greeting' }).click();

      await expect.poll(() => greeting.textContent(), { timeout: BROWSER_WAIT_MS }).toBe('hello from the server (1)');
      expect(greetingsServed).toBe(1);
      const png = await readFile(await screenshot(page, 'browser-smoke'));
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('collects the console errors and uncaught exceptions of a page', async () => {
    const { page, errors } = await newPage(browser!);
    try {
      await page.goto(`${baseUrl}/broken`);

      await expect.poll(() => errors.length, { timeout: BROWSER_WAIT_MS }).toBe(2);
      expect(errors).toEqual(['console.error: the runs table could not be drawn', 'pageerror: undefined is not a run']);
    } finally {
      await page.close();
    }
  });
});
