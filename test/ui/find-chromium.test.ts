import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BrowserSetupError, findChromium } from '../helpers/chromium.ts';

let folder: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'airstep-find-chromium-'));
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function executable(name: string, mode = 0o755): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, '#!/bin/sh\n');
  await chmod(path, mode);
  return path;
}

describe('findChromium', () => {
  it('takes AIRSTEP_CHROMIUM over anything on PATH', async () => {
    const chosen = await executable('my-chrome');
    await executable('chromium');

    expect(findChromium({ AIRSTEP_CHROMIUM: chosen, PATH: folder })).toBe(chosen);
  });

  it('throws when AIRSTEP_CHROMIUM names no executable, rather than falling back to PATH', async () => {
    await executable('chromium');
    const notExecutable = await executable('chrome.txt', 0o644);

    for (const wrong of [join(folder, 'missing'), notExecutable, folder]) {
      expect(() => findChromium({ AIRSTEP_CHROMIUM: wrong, PATH: folder })).toThrow(
        new BrowserSetupError(`AIRSTEP_CHROMIUM=${wrong} is not an executable file; point it at Chromium or Chrome`),
      );
    }
  });

  it('prefers chromium, then chromium-browser, then google-chrome, whichever PATH folder holds it', async () => {
    const early = await mkdtemp(join(tmpdir(), 'airstep-find-chromium-early-'));
    try {
      const chrome = join(early, 'google-chrome');
      await writeFile(chrome, '#!/bin/sh\n');
      await chmod(chrome, 0o755);
      const path = [early, folder].join(delimiter);
      expect(findChromium({ PATH: path })).toBe(chrome);

      const browser = await executable('chromium-browser');
      expect(findChromium({ PATH: path })).toBe(browser);

      const chromium = await executable('chromium');
      expect(findChromium({ PATH: path, AIRSTEP_CHROMIUM: '' })).toBe(chromium);
    } finally {
      await rm(early, { recursive: true, force: true });
    }
  });

  it('finds nothing when no candidate is executable', async () => {
    await executable('chromium', 0o644);

    expect(findChromium({ PATH: folder })).toBeUndefined();
  });
});
