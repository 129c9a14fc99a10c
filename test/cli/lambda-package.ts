import { build } from 'esbuild';
import { zipSync } from 'fflate';

/**
 * A Lambda handler as a deployment package, built the way the construct builds it (esbuild, one ES module), but
 * with the AWS SDK inside: the emulator runs it with this machine's Node, which has no SDK of its own.
 */
export async function lambdaPackage(entry: string): Promise<Uint8Array> {
  const bundled = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    // CommonJS dependencies bundled into an ES module still call `require` (under a name the code cannot be using).
    banner: {
      js: "import { createRequire as __airstepRequire } from 'node:module'; const require = __airstepRequire(import.meta.url);",
    },
  });
  return zipPackage({ 'index.mjs': Buffer.from(bundled.outputFiles[0]!.contents) });
}

/** A zip archive of the given files (a Lambda package needs nothing more). */
export function zipPackage(files: Record<string, Buffer>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, data]) => [name, new Uint8Array(data)])));
}
