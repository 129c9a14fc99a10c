/**
 * Bundles the `airstep ui` page (lib/web) into dist/web/app.js and app.css with esbuild: one minified ES module
 * (preact and the views) and one stylesheet, which the UI server serves. `npm run build` runs it after tsc.
 */

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export async function buildWeb(outdir = fileURLToPath(new URL('../dist/web', import.meta.url))): Promise<void> {
  const root = fileURLToPath(new URL('../lib/web/', import.meta.url));
  await build({
    // app.tsx imports app.css: esbuild writes it beside the script as app.css.
    entryPoints: { app: `${root}app.tsx` },
    outdir,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome120', 'firefox120', 'safari17'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'linked',
    logLevel: 'warning',
  });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) await buildWeb();
