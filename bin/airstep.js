#!/usr/bin/env node
// The CLI runs as compiled JavaScript (`npm run build`, which `npm install` runs through `prepare`); tsx is
// registered only when a command loads a TypeScript DAG file.
try {
  await import('../dist/bin/airstep.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/bin/airstep.js')) throw error;
  console.error('airstep: the CLI is not built (no dist/): run `npm run build` in the airstep package');
  process.exit(70);
}
