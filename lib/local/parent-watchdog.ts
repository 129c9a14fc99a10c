/**
 * Makes this process die with the process that started it. A local worker (and a `dev` child) is killed by its
 * engine when the engine stops; an engine killed outright (`kill -9`, a crash, a closed terminal) cannot, and a
 * worker running a CPU-bound task never runs its event loop again to notice the lost IPC channel. So the check
 * runs on a thread of its own: it polls the parent pid (the process is re-parented when its parent dies, on
 * Linux and macOS alike) and kills its own process, whatever the main thread is doing.
 */
import { Worker } from 'node:worker_threads';

/** How often the thread looks: a dead engine's workers are gone well within 2 s. */
const CHECK_EVERY_MS = 200;

// The thread's whole program: no imports of Airstep, no TypeScript loader (it starts in milliseconds).
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const { parentPid, everyMs } = workerData;
setInterval(() => {
  if (process.ppid !== parentPid) process.kill(process.pid, 'SIGKILL');
}, everyMs);
`;

/**
 * Starts the watchdog thread for this process's current parent (no-op for a process without an IPC parent, so
 * a module run by hand is not watched). The thread keeps no process alive by itself.
 */
export function dieWithParent(): void {
  if (process.send === undefined) return;
  const watchdog = new Worker(WATCHDOG_SOURCE, {
    eval: true,
    workerData: { parentPid: process.ppid, everyMs: CHECK_EVERY_MS },
    // Not the parent's flags: the TypeScript loader and a heap limit are for task code, not for this thread.
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
    stdout: false,
    stderr: false,
  });
  watchdog.unref();
}
