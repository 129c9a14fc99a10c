import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const CLI = resolve('bin/airstep.js');
const DAG = resolve('test/fixtures/local/prototype_names.ts');
let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'airstep-prototype-names-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** Runs the CLI in the temporary folder (its own `.airstep`); resolves with the exit code and output. */
async function airstep(...args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

type RunJson = { state: string; tasks: Array<{ taskId: string; state: string; output?: unknown }> };

describe('airstep run: names Object.prototype also has', () => {
  it('runs tasks named constructor, toString, hasOwnProperty and valueOf; params named constructor and toString take their defaults', async () => {
    const run = await airstep('run', DAG, '--date', '2026-11-22', '--json');
    expect(run.code, run.stderr).toBe(0);
    const { tasks } = JSON.parse(run.stdout) as RunJson;
    expect(Object.fromEntries(tasks.map((task) => [task.taskId, [task.state, task.output]]))).toEqual({
      constructor: ['success', 'built'],
      hasOwnProperty: ['success', 'own'],
      toString: ['success', 3],
      valueOf: ['success', { constructor: 'built', hasOwnProperty: 'own', toString: 3 }],
    });
  });

  it('takes a conf value for a param named constructor', async () => {
    const run = await airstep('run', DAG, '--date', '2026-11-23', '--conf', '{"constructor":"given"}', '--json');
    expect(run.code, run.stderr).toBe(0);
    const { tasks } = JSON.parse(run.stdout) as RunJson;
    expect(tasks.find((task) => task.taskId === 'constructor')?.output).toBe('given');
  });

  it('refuses a conf that makes the params too large for a Step Functions payload, before any run (exit 2)', async () => {
    const conf = join(cwd, 'large-conf.json');
    await writeFile(conf, JSON.stringify({ constructor: 'c'.repeat(300_000) }));
    const run = await airstep('run', DAG, '--date', '2026-11-24', '--conf', `@${conf}`);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /prototype_names\.ts › dag prototype_names › params: the run's params \(conf with defaults filled in\) are 3000\d\d bytes of JSON \(largest: constructor, 300002 bytes\)/,
    );
    const runs = await airstep('runs', '--json');
    expect(JSON.parse(runs.stdout)).not.toContainEqual(
      expect.objectContaining({ logicalDate: expect.stringContaining('2026-11-24') }),
    );
  });

  it('refuses __proto__ as a task id at validate, before any run (exit 1 with the reason)', async () => {
    const file = resolve('test/fixtures/bad-dags/prototype_key_names.ts');
    const validate = await airstep('validate', file);
    expect(validate.code).toBe(1);
    expect(validate.stdout + validate.stderr).toContain(
      "prototype_key_names.ts › dag prototype_key_names › task stage.__proto__ › id: '__proto__' cannot be a task id: JavaScript objects treat that key as their prototype, so it would be lost",
    );
  });
});
