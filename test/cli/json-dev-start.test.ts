import { spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { linkAirstep, type ScratchProject, scratchProject } from '../helpers/scratch-project.ts';

/** `--json` on the two commands that lacked it: `dev` (one JSON object per line, as it never ends) and `start`. */
const projects: ScratchProject[] = [];
afterAll(async () => {
  for (const project of projects) await project.remove();
});

async function project(name: string): Promise<ScratchProject> {
  const made = await scratchProject(name);
  projects.push(made);
  return made;
}

describe('--json on dev and start', () => {
  it('dev --json: every stdout line is a JSON event: checked, watching, the run and its tasks, stopping', async () => {
    const { dir } = await project('dev-json');
    await linkAirstep(dir);
    await mkdir(join(dir, 'dags'));
    await copyFile(resolve('test/fixtures/schedule/hello_dev.ts'), join(dir, 'dags', 'hello.ts'));
    const child = spawn(process.execPath, [resolve('bin/airstep.js'), 'dev', '--json'], { cwd: dir });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const events = () =>
      stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { event: string; [field: string]: unknown });
    try {
      // A readiness wait on the output; the backstop only stops a hang.
      for (const giveUp = Date.now() + 90_000; !events().some((e) => e.event === 'runEnded'); ) {
        if (Date.now() > giveUp) throw new Error(`no runEnded event; stdout:\n${stdout}`);
        await new Promise((done) => setTimeout(done, 200));
      }
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      const seen = events();
      expect(seen[0]).toMatchObject({ event: 'checked', file: 'dags/hello.ts', ok: true, dagIds: ['hello_dev'] });
      const order = seen.map((e) => e.event).filter((e) => e !== 'task');
      expect(order).toEqual(['checked', 'watching', 'runStarted', 'runEnded', 'stopping']);
      const runId = seen.find((e) => e.event === 'runStarted')!.runId as string;
      expect(runId).toMatch(/^scheduled__/);
      expect(seen.filter((e) => e.event === 'task').map((e) => [e.taskId, e.state])).toContainEqual(['say', 'success']);
      expect(seen.find((e) => e.event === 'runEnded')).toMatchObject({ dagId: 'hello_dev', runId, state: 'success' });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('start --json: one JSON document with the run, its tasks and the copied outputs; progress on stderr', async () => {
    const { dir, airstep } = await project('start-json');
    await symlink(resolve('dags'), join(dir, 'dags'), 'dir');
    const started = await airstep('start', '--json', '--out', join(dir, 'out'));
    expect(started.code, started.stderr).toBe(0);
    const document = JSON.parse(started.stdout) as {
      run: { dagId: string; state: string };
      tasks: Array<{ taskId: string; state: string }>;
      outputs: Array<{ uri: string; path: string }>;
    };
    expect(document.run).toMatchObject({ dagId: 's3_medallion_ingestion', state: 'success' });
    expect(document.tasks.map((task) => [task.taskId, task.state]).sort()).toEqual([
      ['generate_analytics_summary', 'success'],
      ['ingest_customers', 'success'],
      ['ingest_orders', 'success'],
    ]);
    const summary = document.outputs.find((output) => output.uri.endsWith('summary.json'))!;
    expect(JSON.parse(await readFile(summary.path, 'utf8'))).toMatchObject({ customers: 5, orders: 5 });
    expect(started.stderr).toMatch(/MiniStack ready on http:\/\/127\.0\.0\.1:\d+/);
  });
});
