import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkAirstep } from '../helpers/scratch-project.ts';

/**
 * `runAs` locally: a project lists the roles its tasks may run under in airstep.config.json (as the construct's
 * assumableRoleArns does in the cloud); `validate` and `run` refuse a role it does not list, and say where to list
 * it. A listed role runs with the default credentials (`ctx.aws` has no role).
 */
const ROLE = 'arn:aws:iam::444455556666:role/data-reader';
const CLI = resolve('bin/airstep.js');
let project: string;
let dagFile: string;

function airstep(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => done({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'airstep-run-as-'));
  await linkAirstep(project);
  dagFile = join(project, 'reader.ts');
  await writeFile(
    dagFile,
    `import { dag } from 'airstep';
const d = dag({ id: 'reader' });
d.task('read', { runAs: '${ROLE}' }, async (ctx) => ({ role: ctx.aws.roleArn ?? 'default credentials' }));
export default d;
`,
  );
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

describe('CLI: runAs locally', () => {
  it('refuses a role airstep.config.json does not list, naming the task and where to list it', async () => {
    await writeFile(join(project, 'airstep.config.json'), JSON.stringify({ pools: {} }));
    // Files are named relative to the project folder the command runs in.
    const problem = `reader.ts › dag reader › task read › runAs: ${ROLE} is not a role this project may assume: list it in airstep.config.json "assumableRoleArns" (and in the Airstep construct's assumableRoleArns for the cloud)`;
    const [validate, run] = await Promise.all([
      airstep(project, 'validate', dagFile),
      airstep(project, 'run', dagFile, '--json'),
    ]);
    expect(validate.code).toBe(1);
    expect(validate.stderr.trim()).toBe(problem);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({ ok: false, error: problem });
  });
  it('validates and runs a listed role with the default credentials', async () => {
    await writeFile(join(project, 'airstep.config.json'), JSON.stringify({ assumableRoleArns: [ROLE] }));
    const [validate, run] = await Promise.all([
      airstep(project, 'validate', dagFile),
      airstep(project, 'run', dagFile, '--json'),
    ]);
    expect(validate).toMatchObject({ code: 0, stderr: '' });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).run.state).toBe('success');
  });
});
