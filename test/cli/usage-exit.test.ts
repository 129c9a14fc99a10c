import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScratchProject, scratchProject } from '../helpers/scratch-project.ts';

let project: ScratchProject;
beforeAll(async () => {
  project = await scratchProject('usage-exit');
});
afterAll(async () => {
  await project?.remove();
});

describe('airstep usage errors', () => {
  it.each([
    [['run'], "error: missing required argument 'file'"],
    [['tasks', 'manual__', '--bogus'], "error: unknown option '--bogus'"],
    [['bogus'], "error: unknown command 'bogus'"],
  ])('%j exits 2 (bad input), not 1 (a failed run), and writes nothing', async (args, message) => {
    const run = await project.airstep(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
    expect(await project.storeFiles().catch(() => ({}))).toEqual({});
  });

  it('answers a usage error as JSON with --json', async () => {
    const run = await project.airstep('tasks', 'manual__', '--bogus', '--json');
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({ ok: false, error: "error: unknown option '--bogus'" });
  });

  it('keeps exit 0 for --version and --help', async () => {
    expect((await project.airstep('--version')).code).toBe(0);
    const help = await project.airstep('run', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: airstep run');
  });
});
