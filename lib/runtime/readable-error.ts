import { fileURLToPath } from 'node:url';

/**
 * How a try's error reads to a person. A worker answers an error name and a cause, and the cause of a task that
 * threw is its stack, which already starts with `<name>: <message>`: written as `<name>: <cause>` it read
 * `Error: Error: …`, followed by the frames of Airstep's own runtime and of Node's internals, which say nothing
 * about the user's code.
 */

/** One line saying why a task failed (`Error: the warehouse refused the rows`): the name and the message's first line. */
export function errorSummary(error: string, cause?: string): string {
  const first =
    (cause ?? '')
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line !== '') ?? '';
  const summary = first === '' ? error : startsWithName(first, error) ? first : `${error}: ${first}`;
  return summary.length > SUMMARY_LIMIT ? `${summary.slice(0, SUMMARY_LIMIT - 1)}…` : summary;
}

/** A summary is a line of a grid, not the whole cause (which the try's log keeps). */
const SUMMARY_LIMIT = 300;

/**
 * A try's error as its log ends with: one `<name>:` prefix, then the message and the user's stack frames (frames
 * under `ownRoots` — Airstep's package — and Node's internal frames are cut; a stack with none of the user's
 * frames keeps only its message).
 */
export function errorLogText(
  error: string,
  cause: string | undefined,
  ownRoots: readonly string[] = OWN_ROOTS,
): string {
  const text = cause ?? '';
  const kept = text.split('\n').filter((line) => !isOwnFrame(line, ownRoots));
  const body = kept.join('\n').trimEnd();
  if (body === '') return error;
  return startsWithName(body, error) ? body : `${error}: ${body}`;
}

function startsWithName(text: string, error: string): boolean {
  return text === error || text.startsWith(`${error}:`);
}

/** A stack frame line (`    at f (file:line:col)`) of Airstep itself or of Node's internals. */
function isOwnFrame(line: string, ownRoots: readonly string[]): boolean {
  if (!/^\s+at\s/.test(line)) return false;
  if (line.includes('node:internal/') || line.includes('(node:') || /\sat node:/.test(line)) return true;
  if (line.includes('/node_modules/airstep/')) return true;
  return ownRoots.some((root) => line.includes(root));
}

/**
 * Airstep's own code: `lib/`, `dist/` and `bin/` of this package (from sources or the build), never the project's
 * DAG files beside them.
 */
const OWN_ROOTS = ownRootsOf(fileURLToPath(new URL('.', import.meta.url)));

/** The package folders of Airstep's code, from the folder of this module (`<pkg>/lib/runtime/` or `<pkg>/dist/lib/runtime/`). */
export function ownRootsOf(moduleDir: string): string[] {
  const normalised = moduleDir.replace(/\\/g, '/').replace(/\/?$/, '/');
  const at = normalised.lastIndexOf('/lib/runtime/');
  if (at < 0) return [];
  const base = normalised.slice(0, at);
  const pkg = base.endsWith('/dist') ? base.slice(0, -'/dist'.length) : base;
  return [`${pkg}/lib/`, `${pkg}/dist/`, `${pkg}/bin/`];
}
