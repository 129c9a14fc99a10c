import { spawn } from 'node:child_process';
import { projectFile } from '../../emulator/venv.ts';

/** The CLI's entry, `bin/airstep.js` of this package (found from the sources and from `dist/` alike). */
const CLI = projectFile('bin', 'airstep.js');

/** An `airstep` command the UI started: its output so far, and how it ended once it has. */
export interface CliProcess {
  output(): string;
  errors(): string;
  /** Resolves with the exit code (128 + 15 when a signal ended it). */
  readonly exited: Promise<number>;
  /** Resolves with the first match of `pattern` in its stdout, or undefined when it ended without one. */
  printed(pattern: RegExp): Promise<RegExpExecArray | undefined>;
}

/**
 * Runs `airstep <args…>` as a child process in `cwd`, as a person would in a terminal: every action of the UI is
 * the CLI's own command (run, clear, pause…), so the UI has no second implementation of any of them, and the DAG
 * code a command imports never loads into the UI's process (where a changed file would stay cached).
 */
export function runCli(cwd: string, args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const watchers = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const watcher of watchers) watcher();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number>((done) => {
    child.once('error', (error) => {
      err += error.message;
      done(1);
    });
    child.once('close', (code) => done(code ?? 143));
  });
  const printed = (pattern: RegExp) =>
    new Promise<RegExpExecArray | undefined>((done) => {
      const watcher = () => {
        const match = pattern.exec(out);
        if (match === null) return;
        watchers.delete(watcher);
        done(match);
      };
      watchers.add(watcher);
      watcher();
      void exited.then(() => {
        watchers.delete(watcher);
        done(pattern.exec(out) ?? undefined);
      });
    });
  return { output: () => out, errors: () => err, exited, printed };
}
