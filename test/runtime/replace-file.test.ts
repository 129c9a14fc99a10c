import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replaceFile } from '../../lib/runtime/replace-file.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airstep-replace-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('replaceFile', () => {
  it('writes the file whole and leaves nothing else beside it', async () => {
    const path = join(dir, 'index.mjs');
    await replaceFile(path, 'export const a = 1;\n');
    await replaceFile(path, 'export const b = 2;\n');
    expect(await readFile(path, 'utf8')).toBe('export const b = 2;\n');
    expect(await readdir(dir)).toEqual(['index.mjs']);
  });

  it('never shows a reader in another process part of the content while it is rewritten', async () => {
    // Prepare: a large file, rewritten over and over with content of the same length, while a child process
    // reads it as fast as it can and reports the lengths it saw (a plain write truncates, then fills the file).
    const path = join(dir, 'bundle.mjs');
    const content = (mark: string) => `// ${mark}\n${'x'.repeat(4_000_000)}\n`;
    await replaceFile(path, content('0'));
    const program = [
      `const { readFileSync, existsSync } = require('node:fs');`,
      `const seen = new Set();`,
      `process.send('reading');`,
      `while (!existsSync(${JSON.stringify(join(dir, 'stop'))})) seen.add(readFileSync(${JSON.stringify(path)}).length);`,
      `process.send([...seen], () => process.exit(0));`,
    ].join('\n');
    const reader = spawn(process.execPath, ['-e', program], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const messages: unknown[] = [];
    const ended = new Promise<void>((done) => reader.once('exit', () => done()));
    reader.on('message', (message) => messages.push(message));
    // The writes begin once the reader reads (a condition, not a pause).
    while (messages.length === 0 && reader.exitCode === null) await new Promise((done) => setTimeout(done, 10));

    // Act
    for (let i = 1; i <= 40; i++) await replaceFile(path, content(String(i % 10)));
    await replaceFile(join(dir, 'stop'), '');

    // Assess: every read saw the whole length.
    await ended;
    expect(messages).toEqual(['reading', [content('0').length]]);
  });
});
