/**
 * How a command that runs DAG runs (`run`, `backfill`, `dev`, `start`) is stopped: SIGINT (Ctrl-C), SIGTERM, or
 * its output closing under it (`airstep run … | head`, or a Ctrl-C that also ended the reader of its pipe). The
 * first stop aborts the command's runs, which end `interrupted` and are recorded so; a second SIGINT/SIGTERM
 * leaves at once (the store marks a run left `running` by a gone process `interrupted` when it is next opened).
 * The exit code says what stopped the command, as a shell reports a process a signal ended: 128 + the signal's
 * number (130 SIGINT, 143 SIGTERM, 141 a closed output, as SIGPIPE).
 */

/** 128 + the signal number, as shells report a process the signal ended. */
export const STOP_EXIT_CODE = { SIGINT: 130, SIGTERM: 143, SIGPIPE: 141 } as const;

export type StopCause = keyof typeof STOP_EXIT_CODE;

export interface StopSignals {
  /** Aborted at the first stop. */
  readonly signal: AbortSignal;
  /** What stopped the command; undefined while it was not stopped. */
  readonly cause: StopCause | undefined;
  /** The exit code: the stop's when stopped, else `code`. */
  exitCode(code: number): number;
  /** Gives SIGINT/SIGTERM back to their defaults (the command ended). */
  dispose(): void;
}

/** The command listening for stops now, if any: a closed output stops it rather than exiting the process. */
let listening: ((cause: StopCause) => void) | undefined;

/**
 * Listens for stops until `dispose`. `onStop` runs first, synchronously, in the signal's own turn (`run` kills
 * its worker processes there, so no task goes on while the run unwinds).
 */
export function listenForStops(onStop: () => void = () => undefined): StopSignals {
  const abort = new AbortController();
  let cause: StopCause | undefined;
  const stop = (received: StopCause) => {
    if (cause !== undefined) {
      if (received !== 'SIGPIPE') process.exit(STOP_EXIT_CODE[received]);
      return;
    }
    cause = received;
    if (received === 'SIGPIPE') silenceStdout();
    onStop();
    abort.abort();
  };
  const onSigint = () => stop('SIGINT');
  const onSigterm = () => stop('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  listening = stop;
  return {
    signal: abort.signal,
    get cause() {
      return cause;
    },
    exitCode: (code) => (cause !== undefined ? STOP_EXIT_CODE[cause] : code),
    dispose: () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      if (listening === stop) listening = undefined;
    },
  };
}

/**
 * stdout's reader went away (EPIPE). A command that listens for stops is stopped (its runs recorded
 * interrupted) and writes nothing more; returns false when none listens, and the caller just leaves.
 */
export function stopForClosedOutput(): boolean {
  if (listening === undefined) return false;
  silenceStdout();
  listening('SIGPIPE');
  return true;
}

/** Nothing more is written to a closed stdout: each write would fail again. */
function silenceStdout(): void {
  process.stdout.write = (() => true) as typeof process.stdout.write;
}
