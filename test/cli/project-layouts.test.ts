import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ScratchProject, scratchProject } from '../helpers/scratch-project.ts';

/** Projects laid out as users lay them out, beyond this repository's own: CommonJS packages, linked folders. */
const projects: ScratchProject[] = [];
afterAll(async () => {
  for (const project of projects) await project.remove();
});

const HELLO = `import { dag } from 'airstep';
const d = dag({ id: 'hello_layout' });
d.task('say', async () => 'hi');
export default d;
`;

async function project(name: string, packageJson: object): Promise<ScratchProject> {
  const made = await scratchProject(name);
  projects.push(made);
  await writeFile(join(made.dir, 'package.json'), JSON.stringify(packageJson));
  await mkdir(join(made.dir, 'node_modules'));
  await symlink(resolve('.'), join(made.dir, 'node_modules', 'airstep'), 'dir');
  await mkdir(join(made.dir, 'dags'));
  return made;
}

describe('DAG files in projects of every layout', () => {
  it('in a CommonJS package (npm init -y): says to set "type": "module" or name the file .mts; .mts runs', async () => {
    const cjs = await project('commonjs', { name: 'p', version: '1.0.0', type: 'commonjs' });
    await writeFile(join(cjs.dir, 'dags', 'hello.ts'), HELLO);
    const validated = await cjs.airstep('validate');
    expect(validated.stderr).toContain(
      'dags/hello.ts › import failed: DAG files are ES modules, and package.json makes .ts files CommonJS (no "type": "module"): add "type": "module" to it, or name the file .mts',
    );
    expect(validated.code).toBe(1);

    await rm(join(cjs.dir, 'dags', 'hello.ts'));
    await writeFile(join(cjs.dir, 'dags', 'hello.mts'), HELLO);
    const ran = await cjs.airstep('run', 'dags/hello.mts');
    expect(ran.stdout).toMatch(/say\s+success\s+1 /);
    expect(ran.code).toBe(0);
  });

  it('outside any project (no package.json above it): says why and what to do; .mts runs there', async () => {
    const loose = await scratchProject('no-package');
    projects.push(loose);
    await mkdir(join(loose.dir, 'node_modules'));
    await symlink(resolve('.'), join(loose.dir, 'node_modules', 'airstep'), 'dir');
    await writeFile(join(loose.dir, 'hello.ts'), HELLO);
    const validated = await loose.airstep('validate', join(loose.dir, 'hello.ts'));
    expect(validated.stderr).toContain(
      'hello.ts › import failed: DAG files are ES modules, and with no package.json above it Node.js loads .ts files as CommonJS: put it in a project whose package.json has "type": "module", or name the file .mts',
    );
    expect(validated.code).toBe(1);

    await writeFile(join(loose.dir, 'hello.mts'), HELLO);
    const ran = await loose.airstep('run', join(loose.dir, 'hello.mts'));
    expect(ran.stdout).toMatch(/say\s+success\s+1 /);
    expect(ran.code).toBe(0);
  });

  it('under a linked folder: an import error still names its line', async () => {
    const linked = await project('linked', { type: 'module' });
    await rm(join(linked.dir, 'dags'), { recursive: true });
    await symlink(resolve('test/fixtures/import-limit'), join(linked.dir, 'dags'), 'dir');
    const validated = await linked.airstep('validate', 'dags/throws.ts');
    expect(validated.stderr).toContain('dags/throws.ts:4 › import failed: no warehouse configured');
    expect(validated.code).toBe(1);
  });
});
