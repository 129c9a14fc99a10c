import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ImportTimeoutError, importWithinLimit } from '../runtime/import-limit.ts';
import { ensureTypeScriptLoader, isTypeScriptFile } from '../runtime/typescript-loader.ts';
import { collectDags, type Dag } from '../sdk/dag.ts';

/** A DAG file that could not be imported: where it failed and why. */
export interface DagLoadError {
  readonly file: string;
  readonly line?: number;
  readonly message: string;
}

export interface LoadedDagFile {
  /** The path as shown to the user (relative to the working directory). */
  readonly file: string;
  readonly dags: Dag[];
  readonly errors: DagLoadError[];
}

const DAG_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

/**
 * Imports one DAG file and collects the DAGs it exports (default, named, or in exported arrays). A file that
 * throws while loading is reported with its line, one that calls `process.exit` or does not finish importing
 * within the import limit (10 s, see import-limit.ts) as an import error too; none stops other files loading.
 */
export async function loadDagFile(path: string): Promise<LoadedDagFile> {
  const absolute = resolve(path);
  const file = displayPath(absolute);
  try {
    if (isTypeScriptFile(absolute)) await ensureTypeScriptLoader();
    // Imported once per process: `airstep dev` checks a changed file in a fresh process (see dev.ts).
    const module = await importWithinLimit(pathToFileURL(absolute).href, file);
    const dags = collectDags(module);
    const errors: DagLoadError[] =
      dags.length === 0 ? [{ file, message: 'exports no DAG (export default dag({ … }), or export named DAGs)' }] : [];
    return { file, dags, errors };
  } catch (error) {
    return { file, dags: [], errors: [importError(file, absolute, error)] };
  }
}

/** Loads every DAG file under the given paths (folders are searched recursively, in name order). */
export async function loadDagPaths(paths: readonly string[]): Promise<LoadedDagFile[]> {
  const files: string[] = [];
  for (const path of paths) files.push(...(await dagFilesUnder(path)));
  const loaded: LoadedDagFile[] = [];
  for (const file of files) loaded.push(await loadDagFile(file));
  return loaded;
}

/** The DAG files under a path: a file itself, or a folder's DAG files (recursively, skipping `_` and `.` names). */
export async function dagFilesUnder(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) return [path]; // loadDagFile reports it as missing
  if (!info.isDirectory()) return [path];
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const files: string[] = [];
  for (const entry of entries) {
    // `_shared/`, `_data/`: helpers and data beside DAG files, not DAGs (like an .airflowignore entry).
    if (entry.name.startsWith('.') || entry.name.startsWith('_') || entry.name === 'node_modules') continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) files.push(...(await dagFilesUnder(full)));
    else if (isDagFileName(entry.name)) files.push(full);
  }
  return files;
}

/** A file name `dagFilesUnder` would pick: a script, not a declaration file, not hidden or `_`-prefixed. */
export function isDagFileName(name: string): boolean {
  return DAG_EXTENSIONS.has(extname(name)) && !name.endsWith('.d.ts') && !name.startsWith('.') && !name.startsWith('_');
}

function importError(file: string, absolute: string, error: unknown): DagLoadError {
  if (error instanceof ImportTimeoutError) return { file, message: error.message };
  // Termination leaves a module that imports a stuck one (a shared helper) rejected with nothing.
  if (error === null) return { file, message: 'import failed: it imports a module that did not finish importing' };
  const err = error as { message?: string; stack?: string; code?: string };
  // Only the DAG file itself missing is "not found"; a missing module it imports is an import error.
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && !existsSync(absolute)) {
    return { file, message: 'file not found' };
  }
  if (err?.code === 'ERR_REQUIRE_CYCLE_MODULE' || err?.code === 'ERR_REQUIRE_ESM') {
    const scope = commonJsScope(absolute);
    const moduleName = `name the file .m${extname(absolute).slice(1)}`;
    if (scope === 'no package.json')
      return {
        file,
        message:
          `import failed: DAG files are ES modules, and with no package.json above it Node.js loads ${extname(absolute)} ` +
          `files as CommonJS: put it in a project whose package.json has "type": "module", or ${moduleName}`,
      };
    if (scope !== undefined) {
      return {
        file,
        message:
          `import failed: DAG files are ES modules, and ${displayPath(scope)} makes ${extname(absolute)} files ` +
          `CommonJS (no "type": "module"): add "type": "module" to it, or ${moduleName}`,
      };
    }
  }
  // Frames name the file by its real path when it lies under a symbolic link.
  const line = lineIn(err?.stack ?? '', absolute) ?? lineIn(err?.stack ?? '', realPath(absolute));
  return {
    file,
    ...(line !== undefined ? { line } : {}),
    message: `import failed: ${firstLine(err?.message ?? String(error))}`,
  };
}

/**
 * What makes `file` CommonJS: its nearest package.json, when that has no `"type": "module"`, or having no
 * package.json above it at all (a file in /tmp); undefined when it is an ES module.
 */
function commonJsScope(file: string): string | 'no package.json' | undefined {
  if (!/\.(ts|tsx|js)$/.test(file)) return undefined;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type === 'module'
          ? undefined
          : manifest;
      } catch {
        return undefined;
      }
    }
    if (dirname(dir) === dir) return 'no package.json';
  }
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The line of an error message worth showing, with absolute paths made relative as everywhere else. esbuild
 * (a syntax error) puts its header first and the error on the next line, after the file's location.
 */
function firstLine(message: string): string {
  const lines = message.split('\n');
  const syntax = /^Transform failed with \d+ errors?:$/.test(lines[0]!)
    ? /:\d+:\d+: ERROR: (.*)$/.exec(lines[1] ?? '')
    : null;
  const text = syntax !== null ? `syntax error: ${syntax[1]}` : lines[0]!;
  return text.split(`${process.cwd()}${sep}`).join('');
}

/** The first stack frame in the DAG file gives the line (tsx maps it back to the TypeScript source). */
function lineIn(stack: string, absolute: string): number | undefined {
  const url = pathToFileURL(absolute).href;
  for (const frame of stack.split('\n')) {
    const at =
      frame.indexOf(url) >= 0
        ? frame.indexOf(url) + url.length
        : frame.indexOf(absolute) >= 0
          ? frame.indexOf(absolute) + absolute.length
          : -1;
    if (at < 0) continue;
    const match = /^(?:\?[^:]*)?:(\d+)/.exec(frame.slice(at));
    if (match !== null) return Number(match[1]);
  }
  // A syntax error names the file and line in its first lines instead of a frame.
  const syntax = new RegExp(`${escapeRegExp(absolute)}:(\\d+)`).exec(stack);
  return syntax !== null ? Number(syntax[1]) : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function displayPath(absolute: string): string {
  const rel = relative(process.cwd(), absolute);
  return rel.startsWith('..') ? absolute : rel;
}
