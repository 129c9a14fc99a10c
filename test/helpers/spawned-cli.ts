import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const CLI = resolve('bin/airstep.js');

/** `airstep <args>` started and left running, for tests that signal or kill it. */
export interface SpawnedCli {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Settles when it exits: its exit code, or the signal that killed it. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
}

/**
 * Starts the CLI in `cwd` as the leader of a process group of its own (as a shell starts a foreground job), so a
 * test can signal the group as a terminal's Ctrl-C does, or the engine alone.
 */
export function spawnCli(cwd: string, env: Record<string, string>, ...args: string[]): SpawnedCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('close', (code, signal) => done({ code, signal })),
  );
  return { child, pid: child.pid!, stdout: () => out, stderr: () => err, exited };
}

/**
 * Whether a process has ended: no such pid, or a zombie nobody reaped yet (an orphan's reaper in a container is
 * not always a real init). Linux reads /proc; elsewhere signal 0 answers.
 */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/**
 * The live processes whose environment holds `entry` (e.g. `STATE_DIR=/tmp/x/…`): an emulator a killed CLI left
 * to its guard is found by the state folder it was given. Linux reads /proc; elsewhere it finds none.
 */
export function processesWithEnvironment(entry: string): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return pids.map(Number).filter((pid) => {
    try {
      return (
        readFileSync(`/proc/${pid}/environ`, 'utf8')
          .split('\0')
          .some((line) => line.startsWith(entry)) && !processGone(pid)
      );
    } catch {
      return false;
    }
  });
}

/**
 * Polls `condition` until it holds; fails naming `what` after `giveUpMs`, a backstop against a hang only (the
 * test waits for the condition, never for a duration).
 */
export async function waitFor<T>(
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  giveUpMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + giveUpMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${giveUpMs} ms`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
}
