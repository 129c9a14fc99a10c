import { readFile } from 'node:fs/promises';
import type { Dag } from '../sdk/dag.ts';
import { loadDagFile } from './load-dags.ts';

/**
 * Input checks that `run`, `backfill` and `dev` share. Each returns the value, or a message for the user: a
 * command refuses bad input (exit 2) before it writes anything.
 */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** Loads a DAG file and picks one DAG: `--dag id`, or the only one the file declares. */
export async function loadOneDag(file: string, dagId?: string): Promise<Checked<{ file: string; dag: Dag }>> {
  const loaded = await loadDagFile(file);
  if (loaded.errors.length > 0) {
    return {
      ok: false,
      message: loaded.errors
        .map((e) => `${e.file}${e.line !== undefined ? `:${e.line}` : ''}: ${e.message}`)
        .join('\n'),
    };
  }
  const found =
    dagId !== undefined
      ? loaded.dags.find((dag) => dag.id === dagId)
      : loaded.dags.length === 1
        ? loaded.dags[0]
        : undefined;
  if (found !== undefined) return { ok: true, value: { file: loaded.file, dag: found } };
  const ids = loaded.dags.map((dag) => dag.id).join(', ');
  return {
    ok: false,
    message:
      dagId !== undefined
        ? `${loaded.file}: no DAG '${dagId}' (found: ${ids})`
        : `${loaded.file}: holds ${loaded.dags.length} DAGs (${ids}); choose one with --dag`,
  };
}

/** `--conf '{"x":1}'` or `--conf @file.json`: a JSON object. */
export async function readConf(option: string | undefined): Promise<Checked<Record<string, unknown>>> {
  if (option === undefined) return { ok: true, value: {} };
  try {
    const text = option.startsWith('@') ? await readFile(option.slice(1), 'utf8') : option;
    const conf = JSON.parse(text) as unknown;
    if (typeof conf !== 'object' || conf === null || Array.isArray(conf)) {
      return { ok: false, message: '--conf must be a JSON object' };
    }
    return { ok: true, value: conf as Record<string, unknown> };
  } catch (error) {
    return { ok: false, message: `--conf: ${(error as Error).message}` };
  }
}

/** `--speed n`: how much faster than real time waits, delays and intervals run. */
export function readSpeed(option: string | undefined): Checked<number> {
  const speed = option !== undefined ? Number(option) : 1;
  return speed > 0
    ? { ok: true, value: speed }
    : { ok: false, message: `--speed must be a number > 0, got '${option}'` };
}

/** Reports bad input (as JSON with `--json`) and gives the exit code for it. */
export function refuser(json: boolean | undefined, paint: (text: string) => string): (message: string) => 2 {
  return (message) => {
    if (json === true) process.stdout.write(`${JSON.stringify({ ok: false, error: message }, null, 2)}\n`);
    else console.error(paint(message));
    return 2;
  };
}
