import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalStore } from '../../lib/local/local-store.ts';
import type { CliRun } from '../cli/cloud-stack-helpers.ts';

const CLI = resolve('bin/airstep.js');

/** A temporary project directory the local CLI runs in, with its own `.airstep` store. */
export interface ScratchProject {
  /** The project directory: the CLI's working directory, where fixtures write their own files too. */
  readonly dir: string;
  /** The local store the CLI writes (`<dir>/.airstep`); it does not exist until a command writes it. */
  readonly storeDir: string;
  /** The store as the engine reads it. */
  readonly store: LocalStore;
  /** `airstep <args>` as a child process in `dir` (no colours): its exit code and output, never a throw. */
  airstep(...args: string[]): Promise<CliRun>;
  /** Every file of the store with its text, keyed by path: what "nothing changed" compares. */
  storeFiles(): Promise<Record<string, string>>;
  /** Deletes the directory and everything in it. */
  remove(): Promise<void>;
}

/**
 * A scratch project for tests of the local CLI (run, clear, mark, backfill…): a fresh temporary directory named
 * `airstep-<name>-…`, so each test file (or each test, for tests that run side by side) has its own store and
 * its own fixture files. DAG files stay where they are: pass their absolute paths to the CLI.
 */
export async function scratchProject(name: string): Promise<ScratchProject> {
  const dir = await mkdtemp(join(tmpdir(), `airstep-${name}-`));
  const storeDir = join(dir, '.airstep');
  return {
    dir,
    storeDir,
    store: new LocalStore(storeDir),
    airstep: (...args) => runCli(dir, args),
    storeFiles: () => filesUnder(storeDir),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

function runCli(cwd: string, args: readonly string[]): Promise<CliRun> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) =>
        // A non-zero exit is an answer to assert on, not a failure of the helper; a kill by a signal is -1, never 0.
        resolveRun({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

async function filesUnder(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(files, await filesUnder(path));
    else files[path] = await readFile(path, 'utf8');
  }
  return files;
}

/**
 * Makes `dir` a project whose DAG files import Airstep as users' do: a package.json that makes `.ts` files ES
 * modules, and `node_modules/airstep` linked to this checkout. For DAG files a test writes at run time.
 */
export async function linkAirstep(dir: string): Promise<void> {
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  await mkdir(join(dir, 'node_modules'), { recursive: true });
  await symlink(resolve('.'), join(dir, 'node_modules', 'airstep'), 'dir');
}
