import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { AirstepError } from '../../lib/errors/airstep-error.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the Chromium executable the browser tests drive (see `ensureChromium`). */
    chromiumExecutable: string;
  }
}

/** Set to a Chromium or Chrome executable to use it instead of one found on PATH. */
export const CHROMIUM_ENV = 'AIRSTEP_CHROMIUM';

/** Looked up on PATH in this order: Debian's package, Ubuntu's and Fedora's older name, Google's build. */
const EXECUTABLE_NAMES = ['chromium', 'chromium-browser', 'google-chrome'];

/** Debian's own build: it runs here without a download from Google, which Playwright's installer needs. */
const APT_PACKAGE = 'chromium';

/** A second `npm test` on the same machine waits for the first one's apt-get instead of failing on dpkg's lock. */
const DPKG_LOCK_WAIT_S = 600;

/** No Chromium to drive, and none could be installed; the message says what to do. */
export class BrowserSetupError extends AirstepError {
  override readonly name = 'BrowserSetupError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'BROWSER_SETUP', ...options });
  }
}

/**
 * The Chromium the browser tests drive, installed with apt the first time on a Debian or Ubuntu machine where the
 * tests run as root (CI), as the emulators are installed into `.venv`: from the project's scripts, never assumed to
 * be there. Once installed it is on PATH, so later runs find it and install nothing.
 */
export async function ensureChromium(log: (line: string) => void = () => {}): Promise<string> {
  const found = findChromium();
  if (found !== undefined) return found;
  if (!canInstallWithApt()) {
    throw new BrowserSetupError(
      `the browser tests need Chromium and none is on PATH (looked for ${EXECUTABLE_NAMES.join(', ')}): install ` +
        `it (Debian/Ubuntu: sudo apt-get install chromium; macOS: brew install --cask chromium) or set ` +
        `${CHROMIUM_ENV} to a Chromium or Chrome executable`,
    );
  }
  log(`installing Debian's ${APT_PACKAGE} for the browser tests (apt-get install ${APT_PACKAGE}); once per machine`);
  await aptInstall();
  const installed = findChromium();
  if (installed === undefined) {
    throw new BrowserSetupError(
      `apt-get installed ${APT_PACKAGE}, but none of ${EXECUTABLE_NAMES.join(', ')} is on PATH; set ${CHROMIUM_ENV}`,
    );
  }
  return installed;
}

/** `AIRSTEP_CHROMIUM` when set (and then it must be right: a typo is not silently replaced), else PATH. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const chosen = env[CHROMIUM_ENV];
  if (chosen !== undefined && chosen !== '') {
    if (!isExecutableFile(chosen)) {
      throw new BrowserSetupError(
        `${CHROMIUM_ENV}=${chosen} is not an executable file; point it at Chromium or Chrome`,
      );
    }
    return chosen;
  }
  for (const name of EXECUTABLE_NAMES) {
    const path = onPath(name, env);
    if (path !== undefined) return path;
  }
  return undefined;
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const folder of (env.PATH ?? '').split(delimiter)) {
    if (folder === '') continue;
    const path = join(folder, name);
    if (isExecutableFile(path)) return path;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Root on a Debian-family system (`/etc/debian_version` is there on Ubuntu too) with apt-get. */
function canInstallWithApt(): boolean {
  return process.getuid?.() === 0 && existsSync('/etc/debian_version') && onPath('apt-get', process.env) !== undefined;
}

/** A fresh machine (a container image) may have no package lists yet: only then is `apt-get update` worth its time. */
const MISSING_PACKAGE_LISTS = /Unable to locate package|has no installation candidate|run apt-get update/i;

async function aptInstall(): Promise<void> {
  const install = () =>
    apt(['install', '-y', '--no-install-recommends', '-o', `DPkg::Lock::Timeout=${DPKG_LOCK_WAIT_S}`, APT_PACKAGE]);
  const first = await install();
  if (first.code === 0) return;
  if (!MISSING_PACKAGE_LISTS.test(first.stderr)) throw aptFailure('install', first);
  const update = await apt(['update', '-o', `DPkg::Lock::Timeout=${DPKG_LOCK_WAIT_S}`]);
  if (update.code !== 0) throw aptFailure('update', update);
  const second = await install();
  if (second.code !== 0) throw aptFailure('install', second);
}

interface AptResult {
  readonly code: number | null;
  readonly stderr: string;
}

function apt(args: string[]): Promise<AptResult> {
  return new Promise((done, fail) => {
    const child = spawn('apt-get', args, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      // apt's progress would drown the test output; its errors are kept for the message.
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', (error) =>
      fail(new BrowserSetupError(`could not run apt-get: ${error.message}`, { cause: error })),
    );
    child.on('close', (code) => done({ code, stderr }));
  });
}

function aptFailure(what: string, result: AptResult): BrowserSetupError {
  const tail = result.stderr.trim().split('\n').slice(-15).join('\n');
  return new BrowserSetupError(
    `apt-get ${what} for ${APT_PACKAGE} failed (exit ${result.code}); install it yourself or set ` +
      `${CHROMIUM_ENV}:\n${tail}`,
  );
}
