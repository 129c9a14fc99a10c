import { type ChildProcess, spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../lib/local/local-store.ts';
import { LocalTaskLogs } from '../../lib/local/local-task-logs.ts';
import { type ScratchProject, scratchProject } from '../helpers/scratch-project.ts';

/**
 * A local try's log while the try runs: the engine appends its lines as they come, `airstep logs --follow` prints
 * them then, and a killed engine leaves them readable. `log_hold`'s task fails its first try and holds its second
 * until the test writes a file. Every wait is for a condition; the give-up time only stops a hang.
 */
const DAG = resolve('test/fixtures/local/log_hold.ts');
const RUN_ID = 'manual__2026-11-22T00:00:00+00:00';
let project: ScratchProject;
let hold: string;

beforeAll(async () => {
  project = await scratchProject('logs-live');
  hold = join(project.dir, 'hold');
  // The CLI's children inherit it (scratchProject passes this process's environment).
  process.env.LOG_HOLD_FILE = hold;
});
afterAll(async () => {
  // Lets a held try end in a worker a killed engine may have left behind.
  if (hold !== undefined) await writeFile(hold, '');
  await project?.remove();
});

function start(command: string[]): { child: ChildProcess; out: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [resolve('bin/airstep.js'), ...command], {
    cwd: project.dir,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk) => {
    out.stdout += String(chunk);
  });
  child.stderr!.on('data', (chunk) => {
    out.stderr += String(chunk);
  });
  return { child, out };
}

/** Polls until `check` answers something (a condition, not a duration); gives up after 120 s. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const giveUp = Date.now() + 120_000;
  while (Date.now() < giveUp) {
    const found = await check();
    if (found !== undefined) return found;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode);
    else child.once('exit', (code) => done(code));
  });

const talk = async (): Promise<TaskRecord | undefined> =>
  (await project.store.tasks('log_hold', RUN_ID)).find((task) => task.taskId === 'talk');

/** The second try's log as `airstep logs` reads it, once it has the line logged before the hold. */
const secondTryHeld = () =>
  waitFor('the second try to log its first line', async () => {
    const read = await new LocalTaskLogs(project.store).read({
      dagId: 'log_hold',
      runId: RUN_ID,
      taskId: 'talk',
      mapIndex: -1,
      tryNumber: 2,
    });
    return read !== undefined && read.text !== '' ? read : undefined;
  });

describe('airstep logs: a local try’s log grows while the try runs', () => {
  it('--follow prints the running try’s lines as they come and stops at its end; each try keeps its times', async () => {
    const engine = start(['run', DAG, '--date', '2026-11-22']);
    // While the second try holds, its log already has its first line, whole.
    expect(await secondTryHeld()).toEqual({ text: 'try 2: before the hold\n', cursor: 23 });
    const held = await talk();
    expect(held).toMatchObject({
      state: 'running',
      tryTimes: [
        { try: 1, state: 'failed', errorMessage: 'Error: the first try fails' },
        { try: 2, state: 'running' },
      ],
    });
    const [first, second] = held!.tryTimes!;
    // The first try queued, ran and ended before the second began.
    expect(first!.queuedAt! <= first!.startedAt!).toBe(true);
    expect(first!.startedAt! <= first!.endedAt!).toBe(true);
    expect(first!.endedAt! <= second!.startedAt!).toBe(true);
    expect(second!.endedAt).toBeUndefined();

    // No --try: the newest try is the running one (the record counts ended tries only).
    const follower = start(['logs', RUN_ID, 'talk', '--follow', '--interval', '0.1']);
    await waitFor('the follower to print the held try’s line', () =>
      follower.out.stdout === 'try 2: before the hold\n' ? true : undefined,
    );
    // The try holds until the file exists: the line was printed while it ran, and the follower goes on.
    expect(follower.child.exitCode).toBeNull();
    expect(engine.child.exitCode).toBeNull();

    await writeFile(hold, '');
    expect(await exitOf(follower.child)).toBe(0);
    expect(follower.out.stdout).toBe('try 2: before the hold\ntry 2: after the hold\n');
    expect(follower.out.stderr).toBe(`following try 2 of talk of ${RUN_ID} until it ends\n`);
    expect(await exitOf(engine.child)).toBe(0);

    const ended = await talk();
    expect(ended).toMatchObject({ state: 'success', tries: 2 });
    expect(ended!.tryTimes!.map((entry) => [entry.try, entry.state, entry.endedAt !== undefined])).toEqual([
      [1, 'failed', true],
      [2, 'success', true],
    ]);
    // The whole logs, each try's own.
    const [one, two] = await Promise.all([
      project.airstep('logs', RUN_ID, 'talk', '--try', '1'),
      project.airstep('logs', RUN_ID, 'talk'),
    ]);
    expect(one.stdout).toMatch(/^try 1: failing\nError: the first try fails\n/);
    expect(two).toEqual({ code: 0, stdout: 'try 2: before the hold\ntry 2: after the hold\n', stderr: '' });
  }, 180_000);

  it('leaves the lines a try had logged readable when the engine is killed (kill -9)', async () => {
    await rm(hold, { force: true });
    const engine = start(['run', DAG, '--date', '2026-11-22', '--rerun']);
    // The new run's second try is running (the first run's records and logs are gone with --rerun).
    const run = await waitFor('the new run’s second try', async () => {
      const found = (await project.store.runs('log_hold')).find((candidate) => candidate.runId === RUN_ID);
      const running = (await talk())?.tryTimes?.some((entry) => entry.try === 2 && entry.state === 'running');
      return found?.state === 'running' && running === true ? found : undefined;
    });
    await secondTryHeld();
    process.kill(run.pid, 'SIGKILL');
    await exitOf(engine.child);

    // The default try is the one that was running; its log is the lines so far, no error, no stack trace.
    const logs = await project.airstep('logs', RUN_ID, 'talk');
    expect(logs).toEqual({ code: 0, stdout: 'try 2: before the hold\n', stderr: '' });
    const tasks = await project.airstep('tasks', RUN_ID);
    expect(tasks.stderr).toBe('');
    expect(tasks.stdout).toContain('interrupted');
  }, 180_000);
});
