import * as nodeModule from 'node:module';

/**
 * TypeScript to JavaScript for a DAG file, types erased: Node's own `stripTypeScriptTypes` where it exists (Node
 * 22.13+, so on Lambda), else esbuild's transform (a development machine on Node 20, where esbuild is installed).
 * A JavaScript file (`airstep sync` uploads bundles as `.mjs`) is taken as it is, so it needs neither.
 */
export async function stripTypes(source: string, file: string): Promise<string> {
  if (/\.m?js$/.test(file)) return source;
  const strip = (nodeModule as { stripTypeScriptTypes?: (code: string, options?: unknown) => string })
    .stripTypeScriptTypes;
  if (strip !== undefined) return strip(source, { mode: 'strip' });
  const { transform } = await import('esbuild');
  const result = await transform(source, {
    loader: 'ts',
    format: 'esm',
    sourcefile: file,
  });
  return result.code;
}
