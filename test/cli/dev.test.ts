import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SDK = resolve('lib/index.ts');
const dagSource = (taskId: string) => `import { dag } from '${SDK}';
const d = dag({ id: 'hello_dev', schedule: '@daily', startDate: '2026-11-01', catchup: false });
d.task('${taskId}', async (ctx) => \`hello \${ctx.ds}\`);
export default d;
`;

/** Collects a child's output and waits for lines to appear (a readiness wait, not a timing assertion). */
function watchOutput(child: ChildProcess) {
  let output = '';
  const waiters: Array<() => void> = [];
  const take = (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of waiters.splice(0)) waiter();
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  return {
    get text() {
      return output;
    },
    async waitFor(pattern: RegExp, from = 0, timeoutMs = 15_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output.slice(from))) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output:\n${output}`);
        await new Promise<void>((done) => {
          waiters.push(done);
          setTimeout(done, 200);
        });
      }
    },
  };
}

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('airstep dev', () => {
  it('validates on start and on every save, runs the scheduled DAG, and stops cleanly on Ctrl-C', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airstep-dev-'));
    dirs.push(dir);
    const file = join(dir, 'hello.mts');
    await writeFile(file, dagSource('say'));
    const child = spawn(process.execPath, [resolve('bin/airstep.js'), 'dev', dir], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    const out = watchOutput(child);
    try {
      await out.waitFor(/✓ \S*hello\.mts hello_dev/);
      // catchup is off: only the latest daily interval runs, once.
      await out.waitFor(/hello_dev › scheduled__\S+ success/);

      let mark = out.text.length;
      let saved = Date.now();
      await writeFile(file, dagSource('say hello'));
      await out.waitFor(/✗ \S*hello\.mts/, mark);
      await out.waitFor(/task say hello › id: 'say hello' must be 1-200 letters/, mark);
      const brokenAfter = Date.now() - saved;

      mark = out.text.length;
      saved = Date.now();
      await writeFile(file, dagSource('say'));
      await out.waitFor(/✓ \S*hello\.mts hello_dev/, mark);
      const fixedAfter = Date.now() - saved;
      console.log(`dev re-validated a saved file in ${brokenAfter} ms (broken) and ${fixedAfter} ms (fixed)`);

      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out.text.match(/scheduled__\S+ success/g)).toHaveLength(1);
      const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes(dir));
      expect(left).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
