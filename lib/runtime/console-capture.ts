import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';

/**
 * What task code writes with `console.log` (and `info`, `warn`, `error`, `debug`) goes to its try's log, as
 * Airflow sends a task's stdout to its task log: so it reaches `airstep logs` and the UI, and secrets the try read
 * are masked in it. The try is found through the async context, so tries that run side by side in one process
 * (the local engine's in-process runner) each get their own lines. Outside a try, and after its end (a timer the
 * task left behind), the console writes as it always does.
 */
interface Capture {
  readonly write: (line: string) => void;
  open: boolean;
}

const METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;
const current = new AsyncLocalStorage<Capture>();
let installed = false;

/** Runs `body` with the console's lines sent to `write`, one call per line, until `body` settles. */
export async function withConsoleCaptured<T>(write: (line: string) => void, body: () => Promise<T>): Promise<T> {
  install();
  const capture: Capture = { write, open: true };
  try {
    return await current.run(capture, body);
  } finally {
    capture.open = false;
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const method of METHODS) {
    const original = console[method].bind(console);
    console[method] = (...values: unknown[]) => {
      const capture = current.getStore();
      if (capture === undefined || !capture.open) {
        original(...values);
        return;
      }
      // Outside the store while writing, so a sink that itself prints does not loop back here.
      current.exit(() => {
        for (const line of format(...values).split('\n')) capture.write(line);
      });
    };
  }
}
