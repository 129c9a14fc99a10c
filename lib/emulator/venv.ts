import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AirstepError } from '../errors/airstep-error.ts';

/**
 * The project root (the nearest folder above this module holding `localstack/requirements.lock`, so the sources
 * and the compiled `dist/` find the same one): emulators live in its `.venv`, never in whatever Python the
 * machine happens to have.
 */
const PROJECT_ROOT = projectRoot(dirname(fileURLToPath(import.meta.url)));
const VENV_DIR = join(PROJECT_ROOT, '.venv');
const LOCK_FILE = join(PROJECT_ROOT, 'localstack', 'requirements.lock');
const STAMP_FILE = join(VENV_DIR, '.airstep-lock-sha256');

/** The emulators could not be installed or started; the message says what to do. */
export class EmulatorSetupError extends AirstepError {
  override readonly name = 'EmulatorSetupError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'EMULATOR_SETUP', ...options });
  }
}

function projectRoot(from: string): string {
  for (let folder = from; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'localstack', 'requirements.lock'))) return folder;
    if (dirname(folder) === folder) return resolve(from, '..', '..');
  }
}

/** A file of the project's, e.g. `localstack/moto-server.py`, found from the sources and from `dist/` alike. */
export function projectFile(...segments: string[]): string {
  return join(PROJECT_ROOT, ...segments);
}

export function venvBin(name: string): string {
  return join(VENV_DIR, process.platform === 'win32' ? 'Scripts' : 'bin', name);
}

/**
 * Makes sure `.venv` holds exactly the pinned emulators of `localstack/requirements.lock`; installs them when
 * the lock changed since the last install (a stamp with the lock's hash says so). Idempotent and quiet when
 * nothing is to do.
 */
export async function ensureEmulatorVenv(log: (line: string) => void = () => {}): Promise<void> {
  const lock = await readFile(LOCK_FILE, 'utf8');
  const digest = createHash('sha256').update(lock).digest('hex');
  const installed = async () => existsSync(STAMP_FILE) && (await readFile(STAMP_FILE, 'utf8')).trim() === digest;
  if (await installed()) return;
  // Several processes (test workers, `npm start` beside `npm test`) may ask at once: one installs, the rest wait.
  await withInstallLock(async () => {
    if (!(await installed())) await install(digest, log);
  });
}

async function install(digest: string, log: (line: string) => void): Promise<void> {
  const python = await findPython();
  if (!existsSync(venvBin('python'))) {
    log(`creating ${VENV_DIR} with ${python}`);
    await exec(python, ['-m', 'venv', VENV_DIR], 'create the virtualenv (on Debian: apt install python3-venv)');
  }
  log('installing the pinned emulators (MiniStack, moto) into .venv; this takes about 30 s once');
  await exec(
    venvBin('python'),
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', LOCK_FILE],
    'install localstack/requirements.lock',
  );
  await writeFile(STAMP_FILE, `${digest}\n`);
}

const INSTALL_LOCK = `${VENV_DIR}.install-lock`;
/** An install takes ~30 s; a lock older than this was left by a killed process. */
const STALE_LOCK_MS = 10 * 60_000;

async function withInstallLock(work: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      await mkdir(INSTALL_LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (await stat(INSTALL_LOCK).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > STALE_LOCK_MS) await rm(INSTALL_LOCK, { recursive: true, force: true });
      else await new Promise((done) => setTimeout(done, 500));
    }
  }
  try {
    await work();
  } finally {
    await rm(INSTALL_LOCK, { recursive: true, force: true });
  }
}

async function findPython(): Promise<string> {
  for (const candidate of ['python3', 'python']) {
    const version = await capture(candidate, ['-c', 'import sys, venv; print("%d.%d" % sys.version_info[:2])']);
    if (version === undefined) continue;
    const [major, minor] = version.split('.').map(Number);
    if (major === 3 && (minor ?? 0) >= 10) return candidate;
  }
  throw new EmulatorSetupError(
    'the emulators need Python 3.10 or newer with venv and pip (python3 on PATH); ' +
      'install it (Debian/Ubuntu: apt install python3 python3-venv; macOS: brew install python) and retry',
  );
}

function capture(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((done) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', () => done(undefined));
    child.on('close', (code) => done(code === 0 ? out.trim() : undefined));
  });
}

function exec(command: string, args: string[], what: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', (error) => fail(new EmulatorSetupError(`could not ${what}: ${error.message}`, { cause: error })));
    child.on('close', (code) =>
      code === 0
        ? done()
        : fail(
            new EmulatorSetupError(
              `could not ${what} (exit ${code}):\n${stderr.trim().split('\n').slice(-15).join('\n')}`,
            ),
          ),
    );
  });
}
