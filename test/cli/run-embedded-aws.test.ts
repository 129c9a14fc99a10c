import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../lib/local/local-store.ts';
import { processesWithEnvironment, waitFor } from '../helpers/spawned-cli.ts';
import type { CliRun } from './cloud-stack-helpers.ts';

/**
 * A new user's machine: no AWS endpoint, credentials, profile or ~/.aws (HOME is an empty folder), in a project
 * with the example DAGs and their data (`dags/` linked to this checkout's). The examples that use S3 run as shipped
 * because `airstep run` starts the embedded MiniStack itself, and keeps its state in `.airstep/emulator/`, so a
 * later `clear` finds what the kept tasks wrote.
 */
let project: string;
let env: NodeJS.ProcessEnv;

function airstep(...args: string[]): Promise<CliRun> {
  return new Promise((done) => {
    execFile(process.execPath, [resolve('bin/airstep.js'), ...args], { cwd: project, env }, (error, stdout, stderr) =>
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'airstep-embedded-aws-'));
  await symlink(resolve('dags'), join(project, 'dags'), 'dir');
  env = { PATH: process.env.PATH, HOME: project, NO_COLOR: '1' };
});
afterAll(async () => {
  // An emulator whose CLI was killed is ended by its guard, and saves its state into the project on the way out
  // after its port has closed: removing the folder before it has exited fails with ENOTEMPTY.
  const stateDir = `STATE_DIR=${join(project, '.airstep', 'emulator')}`;
  await waitFor(() => processesWithEnvironment(stateDir).length === 0, `the emulators of ${project} to exit`, 120_000);
  await rm(project, { recursive: true, force: true });
});

describe('airstep run with no AWS configured', () => {
  it('starts the embedded emulator for a DAG that uses S3, and clear finds what the first run wrote', async () => {
    const first = await airstep('run', 'dags/s3_medallion_ingestion.ts');
    expect(first.stdout).toMatch(
      /started MiniStack on http:\/\/127\.0\.0\.1:\d+ in \d+ ms for this run \(no AWS endpoint or credentials are configured and it uses @aws-sdk\/client-s3\); its state is kept in \.airstep\/emulator\//,
    );
    expect(first.stdout).toContain(
      'created airstep-raw, airstep-processed, airstep-analytics; uploaded dags/_data/raw/',
    );
    expect(first.stdout).toMatch(/generate_analytics_summary\s+success\s+1 /);
    expect(first.code).toBe(0);
    const [run] = await new LocalStore(join(project, '.airstep')).runs();
    const ds = run!.ctx!.ds;
    // The emulator saved the objects under the store (MiniStack's S3 files: <account>/<bucket>/<key>).
    const summary = join(project, '.airstep/emulator/s3/000000000000/airstep-analytics');
    const written = JSON.parse(await readFile(join(summary, `analytics/daily_summary/ds=${ds}/summary.json`), 'utf8'));
    expect(written).toMatchObject({ ds, customers: 5, orders: 5 });

    // The summary task reads what the two kept ingest tasks wrote in the first run's emulator.
    const cleared = await airstep('clear', run!.runId, '--task', '^generate_analytics_summary$');
    expect(cleared.stdout).toMatch(/started MiniStack on http:\/\/127\.0\.0\.1:\d+/);
    expect(cleared.stdout).toMatch(/generate_analytics_summary\s+success\s+2 /);
    expect(cleared.code).toBe(0);
  });

  it('starts no emulator for a DAG that does not use AWS, or with --no-emulator', async () => {
    const plain = await airstep('run', 'dags/examples/branching.ts');
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain('MiniStack');

    const refused = await airstep('run', 'dags/examples/native_steps.ts', '--no-emulator', '--json');
    expect(refused.stderr).not.toContain('MiniStack');
    const { tasks } = JSON.parse(refused.stdout) as { tasks: Array<{ taskId: string; state: string; error?: string }> };
    // With no AWS at all, the native step says what to configure instead of calling nowhere.
    expect(tasks.find((task) => task.taskId === 'list_exports')).toMatchObject({
      state: 'failed',
      error: 'Airstep.NoServiceEndpoint',
    });
    expect(refused.code).toBe(1);
  });

  it('airstep dev starts it too, before the first scheduled run, and stops it on Ctrl-C', async () => {
    const dev = startDev();
    try {
      await dev.printed(/aws_imports_daily_buckets › scheduled__\S+ (success|failed)/);
      expect(dev.output()).toMatch(/aws_imports_daily_buckets › scheduled__\S+ success/);
      const endpoint = /started MiniStack on (http:\/\/127\.0\.0\.1:\d+)/.exec(dev.output())?.[1];
      expect(endpoint, dev.output()).toBeDefined();
      // Started before the run: its line comes first.
      expect(dev.output().indexOf('started MiniStack')).toBeLessThan(
        dev.output().indexOf('aws_imports_daily_buckets › scheduled__'),
      );
      dev.child.kill('SIGINT');
      expect(await dev.exited, dev.output()).toBe(0);
      await expect(fetch(`${endpoint}/_ministack/health`)).rejects.toThrow();
    } finally {
      dev.child.kill('SIGKILL');
    }
  });

  it('the emulator does not outlive airstep dev killed with kill -9', async () => {
    const dev = startDev();
    try {
      await dev.printed(/started MiniStack on http:\/\/127\.0\.0\.1:\d+/);
      const endpoint = /started MiniStack on (http:\/\/127\.0\.0\.1:\d+)/.exec(dev.output())![1]!;
      expect((await fetch(`${endpoint}/_ministack/health`)).ok).toBe(true);
      dev.child.kill('SIGKILL');
      await dev.exited;
      // Nothing stops it from inside the killed CLI: its guard sees the CLI's pipe close and ends it.
      await waitFor(() => connectionRefused(new URL(endpoint).port), `MiniStack at ${endpoint} gone`, 60_000);
    } finally {
      dev.child.kill('SIGKILL');
    }
  });
});

/** `airstep dev` of the fixture folder that imports the S3 client, with its output collected. */
function startDev() {
  const child = spawn(process.execPath, [resolve('bin/airstep.js'), 'dev', resolve('test/fixtures/aws-imports')], {
    cwd: project,
    env,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    exited,
    output: () => output,
    /** Waits until the output matches (a readiness wait; the backstop is generous). */
    printed: (pattern: RegExp) =>
      waitFor(() => pattern.test(output), `dev to print ${pattern}`, 90_000).catch((error: Error) => {
        throw new Error(`${error.message}; it printed:\n${output}`);
      }),
  };
}

/** Whether nothing listens on the loopback port any more (a refused connection, not a slow answer). */
function connectionRefused(port: string): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(Number(port), '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED'));
  });
}
