#!/usr/bin/env node
// Runs a TypeScript script (benchmarks, tooling) from the sources with tsx: `node bin/run-ts.js bench/compile.ts --json`.
import { register as registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
// The sources' DAG files import `airstep`: the `airstep-source` condition resolves it to lib/, not to dist/.
registerHooks(
  `data:text/javascript,${encodeURIComponent(
    "export const resolve = (specifier, context, next) => next(specifier, { ...context, conditions: [...context.conditions, 'airstep-source'] });",
  )}`,
);
const [script, ...rest] = process.argv.slice(2);
if (!script) {
  console.error('usage: node bin/run-ts.js <script.ts> [args…]');
  process.exit(2);
}
process.argv = [process.argv[0], script, ...rest];
await import(pathToFileURL(script).href);
