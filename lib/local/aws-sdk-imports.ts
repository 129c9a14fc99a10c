import { build } from 'esbuild';

/**
 * The AWS SDK packages a DAG file's code imports, itself or through the project's own modules it imports
 * (`@aws-sdk/client-s3`, …): what tells the local engine that the DAG's tasks talk to AWS. esbuild follows the
 * file's relative imports and reports every package import without loading anything (a few ms for a DAG file).
 * A file esbuild cannot read is no answer (`[]`): loading it reports the problem properly.
 */
export async function awsSdkImportsOf(file: string): Promise<string[]> {
  try {
    const result = await build({
      entryPoints: [file],
      bundle: true,
      write: false,
      metafile: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });
    const found = new Set<string>();
    for (const input of Object.values(result.metafile.inputs)) {
      for (const imported of input.imports) {
        if (imported.external === true && imported.path.startsWith('@aws-sdk/')) found.add(packageOf(imported.path));
      }
    }
    return [...found].sort();
  } catch {
    return [];
  }
}

/** `@aws-sdk/client-s3/dist-cjs/x` → `@aws-sdk/client-s3`. */
function packageOf(path: string): string {
  return path.split('/').slice(0, 2).join('/');
}
