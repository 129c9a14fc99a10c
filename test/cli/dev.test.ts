import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../lib/local/local-store.ts';

const FIXTURES = resolve('test/fixtures/schedule');

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
    async waitFor(pattern: RegExp, from = 0, timeoutMs = 90_000): Promise<void> {
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

/** Every process below `pid`, from `ps`: its id and command line. */
function descendants(pid: number): Array<{ pid: number; args: string }> {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => {
      const [, child, parent, args] = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line)!;
      return { pid: Number(child), ppid: Number(parent), args: args! };
    });
  const found: Array<{ pid: number; args: string }> = [];
  const walk = (parent: number) => {
    for (const row of rows) {
      if (row.ppid !== parent) continue;
      found.push({ pid: row.pid, args: row.args });
      walk(row.pid);
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A project folder as a user has it: `dags/` with the fixture files, and `airstep` installed. */
async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'airstep-dev-'));
  dirs.push(dir);
  await mkdir(join(dir, 'dags'));
  await mkdir(join(dir, 'node_modules'));
  await symlink(resolve('.'), join(dir, 'node_modules', 'airstep'), 'dir');
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  await copyFile(join(FIXTURES, 'hello_dev.ts'), join(dir, 'dags', 'hello.ts'));
  await copyFile(join(FIXTURES, 'slow_dev.ts'), join(dir, 'dags', 'slow.ts'));
  await copyFile(join(FIXTURES, 'import_error.ts'), join(dir, 'dags', 'broken.ts'));
  return dir;
}

describe('airstep dev', () => {
  it('checks every file, re-checks a saved one at once, runs scheduled DAGs, and stops cleanly on Ctrl-C', async () => {
    const dir = await project();
    const hello = join(dir, 'dags', 'hello.ts');
    const good = await readFile(hello, 'utf8');
    const child = spawn(process.execPath, [resolve('bin/airstep.js'), 'dev'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    const out = watchOutput(child);
    try {
      // A file that throws at import is reported with its line; the others load and run all the same.
      await out.waitFor(/✗ dags\/broken\.ts .*\n {4}dags\/broken\.ts:7 › import failed: boom at import\n/);
      await out.waitFor(/✓ dags\/hello\.ts hello_dev /);
      await out.waitFor(/✓ dags\/slow\.ts slow_dev /);
      // catchup is off: only the latest daily interval runs, with the live lines of `airstep run`.
      await out.waitFor(/hello_dev › {2}running {9}say\n/);
      await out.waitFor(/hello_dev › scheduled__\S+ success/);
      await out.waitFor(/slow_dev › {2}running {9}wait\n/);

      let mark = out.text.length;
      let saved = Date.now();
      await writeFile(hello, good.replace("'say'", "'say hello'"));
      await out.waitFor(
        /✗ dags\/hello\.ts .*\n {4}dags\/hello\.ts › dag hello_dev › task say hello › id: 'say hello' must be 1-200 letters/,
        mark,
      );
      await out.waitFor(/- hello_dev \(not scheduled until it loads again\)/, mark);
      const brokenAfter = Date.now() - saved;

      mark = out.text.length;
      saved = Date.now();
      await writeFile(hello, good);
      await out.waitFor(/✓ dags\/hello\.ts hello_dev .*\n {4}\+ hello_dev \(schedule @daily, no catchup/, mark);
      const fixedAfter = Date.now() - saved;
      console.log(`dev re-checked a saved file in ${brokenAfter} ms (broken) and ${fixedAfter} ms (fixed)`);

      // The slow run is in flight: its process and the worker running its task are below dev.
      const below = descendants(child.pid!);
      // (`dev` runs the compiled CLI: dist/…/dev-child.js; a worker is worker-standby.js <file> <dagId>.)
      // (At least: the pool may have a second worker starting or stopping; what matters is that none survives.)
      const listing = below.map((p) => `${p.pid} ${p.args}`).join('\n');
      expect(
        below.filter((p) => /worker-standby\.[jt]s/.test(p.args) && p.args.includes('slow_dev')).length,
        listing,
      ).toBeGreaterThanOrEqual(1);
      expect(below.filter((p) => /dev-child\.[jt]s/.test(p.args)).length, listing).toBeGreaterThanOrEqual(2);
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out.text).toMatch(/slow_dev › scheduled__\S+ interrupted/);
      // Killed processes take a moment to go (longer on a loaded machine): wait for it, 60 s at most.
      for (const giveUp = Date.now() + 60_000; below.some((p) => alive(p.pid)) && Date.now() < giveUp; ) {
        await new Promise((done) => setTimeout(done, 100));
      }
      expect(below.filter((p) => alive(p.pid))).toEqual([]);

      // The store has each scheduled run once (re-checking the file did not start hello_dev again).
      const runs = await new LocalStore(join(dir, '.airstep')).runs();
      expect(runs.map((run) => [run.dagId, run.runType, run.state]).sort()).toEqual([
        ['hello_dev', 'scheduled', 'success'],
        ['slow_dev', 'scheduled', 'interrupted'],
      ]);
      expect(out.text.match(/hello_dev › scheduled__\S+ success/g)).toHaveLength(1);
    } catch (error) {
      // Whatever failed, what `dev` printed is what explains it.
      console.log(`airstep dev printed:\n${out.text}`);
      throw error;
    } finally {
      child.kill('SIGKILL');
    }
  });
});
