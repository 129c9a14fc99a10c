import { isMainThread, Worker } from 'node:worker_threads';
import { AirstepError } from '../errors/airstep-error.ts';

/**
 * A time limit on importing a DAG file in this process. DAG files run arbitrary code at import; one that never
 * finishes (`while (true) {}`, a wait that never ends) must become an import error for that file, and the
 * command must go on with the other files, without a process per file.
 *
 * An endless wait leaves this thread idle: a timer here ends it. An endless loop holds this thread: no timer here
 * can run, so a watchdog thread ends it with V8's `TerminateExecution` (through the inspector protocol, which
 * interrupts a running thread as a debugger's pause does). Termination unwinds only the DAG module's
 * evaluation; the module's import never settles and is dropped. The watchdog acts only when this thread has
 * stopped ticking, so a termination always lands in the stuck DAG code, never in Airstep's. A thread blocked
 * in a native call (`execSync`) is ended when the call returns; if it is still blocked a whole limit later, the
 * watchdog prints the import error and ends the process, rather than hang the command. The watchdog can only
 * reach a process's main thread: imported from a worker thread, a module is limited in its waits only.
 */

/** How long a DAG file may take to import. */
export const DAG_IMPORT_LIMIT_MS = 10_000;

/** Overrides `DAG_IMPORT_LIMIT_MS`, in seconds (documented in the README). */
export const IMPORT_LIMIT_ENV = 'AIRSTEP_IMPORT_LIMIT_SECONDS';

/** The import limit: `AIRSTEP_IMPORT_LIMIT_SECONDS` when it is a number > 0, else 10 s. */
export function importLimitMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env[IMPORT_LIMIT_ENV] ?? Number.NaN);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DAG_IMPORT_LIMIT_MS;
}

/** A module whose import did not finish within the limit. */
export class ImportTimeoutError extends AirstepError {
  override readonly name = 'ImportTimeoutError';

  constructor(readonly limitMs: number) {
    super(`did not finish importing within ${limitMs / 1000} s (a loop or an endless wait at import?)`, {
      code: 'IMPORT_TIMEOUT',
    });
  }
}

/** A module that called `process.exit` while it was imported (it would have ended the command). */
export class ImportExitError extends AirstepError {
  override readonly name = 'ImportExitError';

  constructor(readonly exitCode: unknown) {
    super(`called process.exit(${exitCode === undefined ? '' : String(exitCode)}) at import`, {
      code: 'IMPORT_EXIT',
    });
  }
}

// The shared word: the import's generation << 2 | its phase. Both threads move it with compare-and-swap, so one
// of them decides how an import ended.
const OPEN = 0;
const ENDED = 1;
/** Claimed by the watchdog; its termination is on the way. */
const TERMINATING = 2;
/** This thread has taken the termination request: it lands in the next JavaScript this thread runs. */
const TERMINATED = 3;
const WORD = 0;
const BEAT = 1;
/** This thread ticks (and beats) this often while an import is open. */
const TICK_MS = 100;
/** The watchdog terminates only after this thread has not beaten for this long: it is stuck, not slow. */
const STUCK_AFTER_MS = 2_000;

/**
 * The watchdog thread, as a script (no loader, no TypeScript: it runs the same from the sources and from dist).
 * It reads the open import from the shared word and terminates this thread's JavaScript once the import is over
 * its limit and this thread has stopped beating.
 */
const WATCHDOG_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Session } = require('node:inspector');
const { writeSync } = require('node:fs');
const shared = new Int32Array(workerData.buffer);
const { tickMs, stuckAfterMs } = workerData;
let open;
parentPort.on('message', (message) => {
  open = { ...message, startedAt: performance.now(), beat: Atomics.load(shared, ${BEAT}), beatAt: performance.now() };
});
setInterval(() => {
  if (open === undefined) return;
  const now = performance.now();
  const word = Atomics.load(shared, ${WORD});
  if (word >> 2 !== open.generation) return;
  const phase = word & 3;
  if (phase === ${ENDED}) { open = undefined; return; }
  const beat = Atomics.load(shared, ${BEAT});
  if (beat !== open.beat) { open.beat = beat; open.beatAt = now; }
  if (phase === ${OPEN}) {
    if (now - open.startedAt < open.limitMs || now - open.beatAt < stuckAfterMs) return;
    const claimed = (open.generation << 2) | ${OPEN};
    if (Atomics.compareExchange(shared, ${WORD}, claimed, (open.generation << 2) | ${TERMINATING}) !== claimed) return;
    open.terminatedAt = now;
    const session = new Session();
    session.connectToMainThread();
    session.post('Runtime.terminateExecution', () => {
      session.disconnect();
      const terminating = (open.generation << 2) | ${TERMINATING};
      Atomics.compareExchange(shared, ${WORD}, terminating, (open.generation << 2) | ${TERMINATED});
    });
  } else if (now - open.terminatedAt >= open.limitMs) {
    writeSync(2, open.file + ': ' + open.message + '; it holds the process (a native call?), which is ended\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, tickMs);
`;

interface Watchdog {
  readonly thread: Worker;
  readonly shared: Int32Array;
}

let watchdog: Watchdog | undefined;
let generation = 0;
let abandoned = 0;

function startWatchdog(): Watchdog {
  const shared = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  const thread = new Worker(WATCHDOG_SOURCE, {
    eval: true,
    workerData: { buffer: shared.buffer, tickMs: TICK_MS, stuckAfterMs: STUCK_AFTER_MS },
    // The watchdog needs none of the process's loaders (tsx) or flags.
    execArgv: [],
    stdout: false,
    stderr: false,
  });
  // It never keeps the process alive: an open import does, by this thread's own tick.
  thread.unref();
  return { thread, shared };
}

/**
 * Imports `url` within `limitMs` (default: `importLimitMs()`). Rejects with `ImportTimeoutError` when the import
 * does not finish in time, with `ImportExitError` when the module calls `process.exit`, and as the import does
 * otherwise. `label` names the module in the watchdog's last-resort message. One import at a time.
 */
export async function importWithinLimit(
  url: string,
  label: string,
  limitMs: number = importLimitMs(),
): Promise<Record<string, unknown>> {
  if (isMainThread) watchdog ??= startWatchdog();
  const shared = watchdog?.shared ?? new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  const current = ++generation & 0x1fffffff;
  const open = (current << 2) | OPEN;
  const ended = (current << 2) | ENDED;
  Atomics.store(shared, WORD, open);
  const timeout = new ImportTimeoutError(limitMs);
  watchdog?.thread.postMessage({ generation: current, limitMs, file: label, message: timeout.message });

  const exit = process.exit;
  process.exit = ((code?: number) => {
    throw new ImportExitError(code ?? process.exitCode);
  }) as typeof process.exit;
  const startedAt = performance.now();
  let tick: NodeJS.Timeout | undefined;
  try {
    return await new Promise<Record<string, unknown>>((resolve, reject) => {
      // Whichever way the import ends, the first to move the word from OPEN decides.
      const settle = (): boolean => {
        const was = Atomics.compareExchange(shared, WORD, open, ended);
        // Claimed by the watchdog, its termination not taken yet: wait for it here, so that it ends this loop
        // and not whatever would run next. (Once taken, it has ended the first JavaScript after it.)
        if (was === ((current << 2) | TERMINATING)) for (;;) {}
        return was === open;
      };
      import(url).then(
        (module: Record<string, unknown>) => {
          if (settle()) resolve(module);
        },
        (error: unknown) => {
          if (settle()) reject(error);
        },
      );
      const giveUp = (from: number) => {
        if (Atomics.compareExchange(shared, WORD, from, ended) !== from) return;
        abandoned++;
        reject(timeout);
      };
      tick = setInterval(() => {
        Atomics.add(shared, BEAT, 1);
        const word = Atomics.load(shared, WORD);
        // Terminated: this tick runs, so the termination has ended the stuck module (or an earlier tick).
        if (word === ((current << 2) | TERMINATED)) giveUp(word);
        // Over the limit with this thread free: the module waits for something that never comes.
        else if (word === open && performance.now() - startedAt >= limitMs) giveUp(open);
      }, TICK_MS);
    });
  } finally {
    clearInterval(tick);
    process.exit = exit;
  }
}

/**
 * How many imports were given up on. Their modules may have left timers or handles that keep the process
 * alive: a command that gave one up ends its process itself when it is done.
 */
export function abandonedImports(): number {
  return abandoned;
}
