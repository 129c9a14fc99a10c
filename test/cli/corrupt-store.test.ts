import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../lib/local/local-store.ts';
import { type ScratchProject, scratchProject } from '../helpers/scratch-project.ts';

/**
 * Every command on a store with broken files in it (emptied, cut short, the wrong shape, a directory where a file
 * belongs, a file where a directory belongs): each broken file is reported once, in one line with its path, and
 * skipped; the other runs and the commands stay usable; no stack trace.
 */
let project: ScratchProject;
const at = (...parts: string[]) => join(project.storeDir, ...parts);
/** A store file as the CLI names it (the store is `.airstep` in the working directory). */
const shown = (...parts: string[]) => join('.airstep', ...parts);

const record = (dagId: string, runId: string): RunRecord => ({
  dagId,
  runId,
  runType: 'manual',
  logicalDate: '2026-11-20T00:00:00.000Z',
  file: 'dags/hello.ts',
  state: 'success',
  startedAt: `2026-11-2${runId.slice(-1)}T08:00:00.000Z`,
  conf: {},
  pid: 1,
  clockSpeed: 1,
});

/** Each broken run file, and why the store skips it (the end of its one line). */
const brokenRuns: Record<string, [content: string | 'directory', reason: string]> = {
  empty: ['', 'an empty file'],
  truncated: ['{"dagId": "truncated", "runId": "manu', 'not valid JSON ('],
  list: ['[1, 2]', 'expected a run record (a JSON object), found a list'],
  fields: ['{"dagId": "fields"}', 'expected a run record: runId is missing'],
  directory: ['directory', 'a directory where a file belongs'],
};

beforeAll(async () => {
  project = await scratchProject('corrupt-store');
  await mkdir(join(project.dir, 'dags'));
  await mkdir(join(project.dir, 'node_modules'));
  await symlink(resolve('.'), join(project.dir, 'node_modules', 'airstep'), 'dir');
  await writeFile(join(project.dir, 'package.json'), '{ "type": "module" }\n');
  await copyFile(resolve('test/fixtures/schedule/hello_dev.ts'), join(project.dir, 'dags', 'hello.ts'));

  const { store } = project;
  // Three good runs of hello_dev: one whose tasks.json is cut short, one whose tasks.json is not a list, one good
  // whose log file is a directory.
  for (const runId of ['manual__1', 'manual__2', 'manual__3']) await store.saveRun(record('hello_dev', runId));
  await writeFile(at('runs', 'hello_dev', 'manual__1', 'tasks.json'), '[{"taskId": "say", "mapInd');
  await writeFile(at('runs', 'hello_dev', 'manual__2', 'tasks.json'), '{"say": "success"}');
  await store.saveTasks('hello_dev', 'manual__3', [{ taskId: 'say', mapIndex: -1, state: 'success', tries: 1 }]);
  await mkdir(at('runs', 'hello_dev', 'manual__3', 'logs', 'say.try-1.log'), { recursive: true });
  // One DAG folder per broken run file, and a file where a DAG's folder belongs.
  for (const [dag, [content]] of Object.entries(brokenRuns)) {
    await mkdir(at('runs', dag, 'manual__9'), { recursive: true });
    if (content === 'directory') await mkdir(at('runs', dag, 'manual__9', 'run.json'));
    else await writeFile(at('runs', dag, 'manual__9', 'run.json'), content);
  }
  await writeFile(at('runs', 'not_a_folder'), 'stray');
  // The DAG's pause state, cut short.
  await mkdir(at('dags'), { recursive: true });
  await writeFile(at('dags', 'hello_dev.json'), '{"dagId": "hello_dev", "pausedAt": "2026');
});
afterAll(async () => {
  await project?.remove();
});

const skippedLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('airstep: skipped '));

/** No stack frame, and each path reported at most once. */
function expectTidy(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
  const paths = skippedLines(stderr).map((line) => line.split(': ')[1]);
  expect(new Set(paths).size).toBe(paths.length);
}

describe('the local store with broken files in it', () => {
  it('runs: lists the readable runs and reports each broken run file once, with its path and why', async () => {
    const runs = await project.airstep('runs');
    expect(runs.code).toBe(0);
    expectTidy(runs.stderr);
    for (const id of ['manual__1', 'manual__2', 'manual__3']) expect(runs.stdout).toContain(id);
    const lines = skippedLines(runs.stderr);
    for (const [dag, [, reason]] of Object.entries(brokenRuns)) {
      const line = lines.find((candidate) => candidate.includes(shown('runs', dag, 'manual__9', 'run.json')));
      expect(line, dag).toContain(reason);
    }
    expect(lines.find((line) => line.includes(shown('runs', 'not_a_folder')))).toContain(
      'a file where a directory belongs',
    );
    expect(lines).toHaveLength(Object.keys(brokenRuns).length + 1);

    const json = await project.airstep('runs', '--json');
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { runs: RunRecord[] }).runs.map((run) => run.runId).sort()).toEqual([
      'manual__1',
      'manual__2',
      'manual__3',
    ]);
  });

  it('tasks: shows a run whose tasks.json is broken, with no tasks, and says which file', async () => {
    const cut = await project.airstep('tasks', 'manual__1', '--dag', 'hello_dev');
    expect(cut.code).toBe(0);
    expectTidy(cut.stderr);
    expect(cut.stdout).toContain('hello_dev › manual__1 (success)');
    expect(skippedLines(cut.stderr)).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^airstep: skipped ${escapeRegExp(shown('runs', 'hello_dev', 'manual__1', 'tasks.json'))}: not valid JSON`,
        ),
      ),
    );
    const shape = await project.airstep('tasks', 'manual__2', '--dag', 'hello_dev', '--json');
    expect(shape.code).toBe(0);
    expect(JSON.parse(shape.stdout)).toMatchObject({ run: { runId: 'manual__2' }, tasks: [] });
    expect(shape.stderr).toContain(
      `skipped ${shown('runs', 'hello_dev', 'manual__2', 'tasks.json')}: expected a list of task instances, found an object`,
    );
  });

  it('logs: a log file that is a directory is reported and the log is missing (exit 2), no stack', async () => {
    const logs = await project.airstep('logs', 'manual__3', 'say', '--dag', 'hello_dev');
    expect(logs.code).toBe(2);
    expectTidy(logs.stderr);
    expect(logs.stderr).toContain(
      `skipped ${shown('runs', 'hello_dev', 'manual__3', 'logs', 'say.try-1.log')}: a directory where a file belongs`,
    );
    expect(logs.stderr).toContain('no log for try 1 of say');
  });

  it('list and run of a DAG: work, the broken pause state counting as not paused', async () => {
    const list = await project.airstep('list', '--json');
    expect(list.code).toBe(0);
    expectTidy(list.stderr);
    expect(JSON.parse(list.stdout).dags).toEqual([expect.objectContaining({ dagId: 'hello_dev', paused: false })]);
    expect(list.stderr).toContain(`skipped ${shown('dags', 'hello_dev.json')}: not valid JSON`);

    const run = await project.airstep('run', 'dags/hello.ts', '--date', '2026-11-22', '--json');
    expect(run.code).toBe(0);
    expectTidy(run.stderr);
    expect(JSON.parse(run.stdout)).toMatchObject({ run: { dagId: 'hello_dev', state: 'success' } });
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('a store that cannot be written', () => {
  it('run: refuses in one line naming the folder (exit 2), no stack; runs still answers', async () => {
    const blocked = await scratchProject('unwritable-store');
    try {
      // A file where the store's runs folder belongs.
      await mkdir(blocked.storeDir);
      await writeFile(join(blocked.storeDir, 'runs'), 'not a folder');
      const run = await blocked.airstep('run', resolve('test/fixtures/schedule/hello_dev.ts'), '--date', '2026-11-22');
      expect(run.code).toBe(2);
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stderr).toMatch(
        /^cannot write the local store at \.airstep\/runs\/hello_dev\/manual__2026-11-22T00_00_00_00_00: ENOTDIR/m,
      );
      expect(run.stdout).toBe('');
      const runs = await blocked.airstep('runs');
      expect(runs.code).toBe(0);
      expect(runs.stderr).toBe('airstep: skipped .airstep/runs: a file where a directory belongs\n');
    } finally {
      await blocked.remove();
    }
  });
});
