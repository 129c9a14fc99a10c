import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorSetupError, ensureEmulatorVenv, projectFile, venvBin } from './venv.ts';

/**
 * Starts a pinned AWS emulator from the project's `.venv` without Docker, on a loopback port, and stops it
 * cleanly: MiniStack (S3, SQS, DynamoDB, Lambda, Step Functions, Scheduler, CloudFormation, …) or moto
 * (`moto_server`, which executes state machines with high fidelity on error names, timeouts and heartbeats).
 */
export type EmulatorKind = 'ministack' | 'moto';

export interface RunningEmulator {
  readonly kind: EmulatorKind;
  /** `http://127.0.0.1:<port>`: give it to the AWS SDK as `endpoint` or `AWS_ENDPOINT_URL`. */
  readonly endpoint: string;
  readonly port: number;
  /** The id of the emulator's process group (its guard's process id). */
  readonly pid: number;
  /** Environment for child processes and SDK clients: endpoint, region and dummy credentials. */
  readonly env: Record<string, string>;
  /** Stops the emulator and waits until its process is gone. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly port?: number;
  /** Install the pinned emulators first when needed (default true). */
  readonly install?: boolean;
  readonly readyTimeoutMs?: number;
  readonly log?: (line: string) => void;
  /** Extra environment for the emulator process. */
  readonly env?: Record<string, string>;
}

const READY_PATH: Record<EmulatorKind, string> = {
  ministack: '/_ministack/health',
  moto: '/moto-api/',
};

const running = new Set<ChildProcess>();

export async function startEmulator(kind: EmulatorKind, options: StartOptions = {}): Promise<RunningEmulator> {
  if (options.install !== false) await ensureEmulatorVenv(options.log);
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  // MiniStack keeps Lambda code and scratch files under TMPDIR; give each instance its own and remove it after.
  const scratch = await mkdtemp(join(tmpdir(), `airstep-${kind}-`));
  const [command, args, env] =
    kind === 'ministack'
      ? [venvBin('ministack'), [], { GATEWAY_PORT: String(port), MINISTACK_HOST: '127.0.0.1', BIND_HOST: '127.0.0.1' }]
      : // moto_server with DynamoDB writes made atomic per request, as DynamoDB's are (see the script).
        [venvBin('python'), [projectFile('localstack', 'moto-server.py'), '-H', '127.0.0.1', '-p', String(port)], {}];
  if (!existsSync(command)) throw new EmulatorSetupError(`${command} is missing; run: npm run emulator -- install`);

  const output: string[] = [];
  // Through the guard (localstack/emulator-guard.py): it ends the emulator when this process ends without
  // stopping it (kill -9), by end-of-file on its stdin, a pipe only this process holds.
  const child = spawn(venvBin('python'), [projectFile('localstack', 'emulator-guard.py'), command, ...args], {
    env: { ...process.env, ...env, ...options.env, TMPDIR: scratch, PYTHONUNBUFFERED: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group, so stop() also ends what the emulator started (MiniStack's Lambda workers).
    detached: true,
  });
  running.add(child);
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
    running.delete(child);
    // The emulator's own children (MiniStack's workers) get the group's SIGTERM too but may still be writing into
    // the scratch folder as it goes: retry the removal (Node retries ENOTEMPTY/EBUSY), and should a file still be
    // left, leave it. The emulator is gone, which is what stopping means; a leftover folder under the system's
    // temporary folder is no reason to fail the command that stopped it.
    await rm(scratch, { recursive: true, force: true, maxRetries: 5 }).catch(() => undefined);
  };

  try {
    await waitUntilReady(`${endpoint}${READY_PATH[kind]}`, exited, options.readyTimeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    throw new EmulatorSetupError(
      `${kind} did not start on ${endpoint}: ${(error as Error).message}\n${output.join('').slice(-2000)}`,
      { cause: error },
    );
  }
  if (kind === 'moto') {
    // moto only records state machines unless told to execute them.
    const response = await fetch(`${endpoint}/moto-api/config`, {
      method: 'POST',
      body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
    });
    if (!response.ok) {
      await stop();
      throw new EmulatorSetupError(`moto refused to execute state machines: HTTP ${response.status}`);
    }
  }
  return {
    kind,
    endpoint,
    port,
    pid: child.pid!,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    },
    stop,
  };
}

async function waitUntilReady(url: string, exited: Promise<void>, timeoutMs: number): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new EmulatorSetupError('the process exited');
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new EmulatorSetupError(`not ready after ${timeoutMs} ms`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** A port the OS says is free now, on loopback. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? done(address.port) : fail(new EmulatorSetupError('no port')),
      );
    });
  });
}

// An emulator must never outlive the process that started it, even when that process exits abruptly.
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});
