import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPORT_LIMIT_ENV } from '../../lib/runtime/import-limit.ts';

/**
 * Every command that loads DAG files, given a file that never finishes importing (`while (true) {}`) beside a
 * good one: the stuck file is an import error of its own, the good one is handled, the command exits as for any
 * import error and leaves no process behind. The limit is set to 5 s here (a loop never finishes, so the outcome
 * does not depend on the machine's speed; the good file imports in a fraction of that even under load). Commands
 * run one after another: each stuck import holds a CPU for the whole limit. `run` runs in a scratch folder (its
 * `test/` links to this checkout's, so files are named as in the repository), so it records in a store of its own.
 */
const FOLDER = 'test/fixtures/import-limit';
const HANGS = `${FOLDER}/hangs.ts`;
const GOOD = `${FOLDER}/good.ts`;
const TIMED_OUT = 'did not finish importing within 5 s (a loop or an endless wait at import?)';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function airstep(...args: string[]): Promise<Run> {
  return airstepIn(process.cwd(), ...args);
}

function airstepIn(cwd: string, ...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolve('bin/airstep.js'), ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1', [IMPORT_LIMIT_ENV]: '5' } },
      (error, stdout, stderr) => done({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
    );
  });
}

/** Processes whose command line names the stuck fixture (a worker `run` started for it, say). */
function processesOf(file: string): string[] {
  const absolute = resolve(file);
  const viaProject = join(project, file);
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(absolute) || line.includes(viaProject) || line.includes(` ${file}`))
    .filter((line) => !line.includes(' ps -eo'));
}

/** No process is left importing the stuck file: waits for it to be so (a killed process takes a moment to go). */
async function expectNoProcessLeft(): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (processesOf(HANGS).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(processesOf(HANGS)).toEqual([]);
}

let project: string;
let out: string;
beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'airstep-import-limit-'));
  await symlink(resolve('test'), join(project, 'test'), 'dir');
  out = join(project, 'out');
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

describe('The import limit, in every command that loads DAG files', () => {
  it('validate: reports the stuck file, process.exit and a throw as import errors, and validates the good file', async () => {
    const { code, stdout, stderr } = await airstep('validate', FOLDER);

    expect(stdout).toContain(`✓ ${GOOD} import_limit_good`);
    expect(stdout).toContain(`✗ ${HANGS}`);
    expect(
      stderr
        .trim()
        .split('\n')
        .map((line) => line.trim()),
    ).toEqual([
      `${FOLDER}/exits.ts:4 › import failed: called process.exit(0) at import`,
      `${HANGS} › ${TIMED_OUT}`,
      `${FOLDER}/throws.ts:4 › import failed: no warehouse configured`,
    ]);
    expect(stdout).toContain('4 file(s), 1 DAG(s), 3 problem(s)');
    expect(code).toBe(1);
    await expectNoProcessLeft();
  });

  it('list: lists the good DAG and the stuck file as an import error', async () => {
    const { code, stdout } = await airstep('list', FOLDER, '--json');
    const listed = JSON.parse(stdout) as { dags: Array<{ dagId: string }>; importErrors: unknown[] };

    expect(listed.dags.map((dag) => dag.dagId)).toEqual(['import_limit_good']);
    expect(listed.importErrors).toContainEqual({ file: HANGS, message: TIMED_OUT });
    expect(listed.importErrors).toHaveLength(3);
    expect(code).toBe(1);
    await expectNoProcessLeft();
  });

  it('run: refuses the stuck file (exit 2) and kills the worker it had started for it; runs the good one', async () => {
    const stuck = await airstepIn(project, 'run', HANGS);
    expect(stuck.stderr.trim()).toBe(`${HANGS}: ${TIMED_OUT}`);
    expect(stuck.code).toBe(2);
    await expectNoProcessLeft();

    const good = await airstepIn(project, 'run', GOOD, '--json');
    expect((JSON.parse(good.stdout) as { run: { state: string } }).run.state).toBe('success');
    expect(good.code).toBe(0);
  });

  it('compile: reports the stuck file and writes nothing for it (exit 1); compiles the good one', async () => {
    const stuck = await airstep('compile', HANGS, '--out', join(out, 'hangs'), '--json');
    expect(JSON.parse(stuck.stdout)).toMatchObject({ ok: false, problems: [{ file: HANGS, message: TIMED_OUT }] });
    expect(stuck.code).toBe(1);
    await expect(readdir(join(out, 'hangs'))).rejects.toThrow();
    await expectNoProcessLeft();

    const good = await airstep('compile', GOOD, '--out', join(out, 'good'));
    expect(good.code).toBe(0);
    expect((await readdir(join(out, 'good'))).sort()).toEqual([
      'import_limit_good.asl.json',
      'import_limit_good.manifest.json',
    ]);
  });

  it('graph: reports the stuck file (exit 2); draws the good one', async () => {
    const stuck = await airstep('graph', HANGS);
    expect(stuck.stderr.trim()).toBe(`${HANGS} › ${TIMED_OUT}`);
    expect(stuck.code).toBe(2);
    await expectNoProcessLeft();

    const good = await airstep('graph', GOOD, '--json');
    expect(JSON.parse(good.stdout)).toEqual([
      { dagId: 'import_limit_good', tasks: [{ id: 'hello', kind: 'code', groups: [] }], edges: [] },
    ]);
    expect(good.code).toBe(0);
  });

  it('sync: does not upload the stuck file and bundles the good one (--dry-run)', async () => {
    const { code, stdout } = await airstep('sync', FOLDER, '--bucket', 'b', '--root', FOLDER, '--dry-run', '--json');
    const files = (JSON.parse(stdout) as { files: Array<{ file: string; key?: string; problems: string[] }> }).files;

    expect(files.find((file) => file.file === HANGS)).toEqual({ file: HANGS, problems: [`${HANGS} › ${TIMED_OUT}`] });
    expect(files.find((file) => file.file === GOOD)).toMatchObject({ key: 'dags/good.mjs', problems: [] });
    expect(code).toBe(1);
    await expectNoProcessLeft();
  });
});
