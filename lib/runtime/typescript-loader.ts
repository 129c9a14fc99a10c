import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Airstep runs as compiled JavaScript (`dist/`); only DAG files are TypeScript, loaded through tsx. In this
 * repository the sources also run directly (vitest, `bin/run-ts.js`): then a TypeScript loader is in place
 * already, and the package's `airstep` import must resolve to the sources too (the `airstep-source` export
 * condition), or a DAG file would get the compiled SDK's classes and the runner the sources'.
 */
export const RUNNING_FROM_SOURCE = extname(fileURLToPath(import.meta.url)) === '.ts';

/** The export condition under which `import … from 'airstep'` resolves to `lib/index.ts` instead of `dist/`. */
export const SOURCE_CONDITION = 'airstep-source';

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);

export function isTypeScriptFile(path: string): boolean {
  return TYPESCRIPT.has(extname(path)) && !path.endsWith('.d.ts');
}

/**
 * The path of a module beside `moduleUrl`, with the running module's own extension: `worker-process.ts` beside
 * the sources, `worker-process.js` in `dist/`.
 */
export function siblingModule(moduleUrl: string, name: string): string {
  const extension = extname(fileURLToPath(moduleUrl));
  return fileURLToPath(new URL(`./${name}${extension}`, moduleUrl));
}

let registering: Promise<void> | undefined;

/**
 * Registers tsx in this process before the first TypeScript DAG file is imported (once; it costs ~100 ms, which
 * a command that loads no TypeScript never pays). From the sources, something loads TypeScript already.
 */
export function ensureTypeScriptLoader(): Promise<void> {
  if (RUNNING_FROM_SOURCE) return Promise.resolve();
  registering ??= import('tsx/esm/api').then(({ register }) => {
    register();
  });
  return registering;
}

/**
 * `execArgv` for a child process that runs one of Airstep's own modules (see `siblingModule`) and, when
 * `loadsTypeScript`, imports TypeScript DAG files: tsx from the start (from the sources, the child's own entry
 * is TypeScript too) and, from the sources, the `airstep-source` condition.
 */
export function childExecArgv(loadsTypeScript: boolean): string[] {
  if (RUNNING_FROM_SOURCE) return ['--import', import.meta.resolve('tsx/esm'), `--conditions=${SOURCE_CONDITION}`];
  return loadsTypeScript ? ['--import', import.meta.resolve('tsx/esm')] : [];
}
