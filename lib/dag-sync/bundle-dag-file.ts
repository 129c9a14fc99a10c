import { build } from 'esbuild';

/**
 * Bundles one DAG file into one ES module for `artifacts/<dag>/<version>/bundle.mjs`: its relative imports are
 * inlined; the Airstep SDK, the AWS SDK and Node built-ins stay imports (see dag-bundle.ts). Throws esbuild's
 * errors, which name the file and line, for the caller to record as an import error.
 */
export async function bundleDagFile(file: string): Promise<string> {
  const result = await build({
    entryPoints: [file],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    write: false,
    logLevel: 'silent',
    external: ['airstep', '@aws-sdk/*'],
  });
  return result.outputFiles[0]!.text;
}
