import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StackFacts } from './stack-facts.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the JSON file of the synthesized stack's IAM facts (see `prepareStackFacts`). */
    iamStackFacts: string;
  }
}

/**
 * What the facts depend on: the constructs, the names they share with the code, the CDK context and versions, and
 * what is read of the template.
 */
const INPUTS = ['lib/constructs', 'lib/stack-contract', 'cdk.json', 'package-lock.json', 'test/iam/stack-facts.ts'];
const CACHE = join('node_modules', '.cache', 'airstep');

/**
 * Synthesizes the stack once for the whole run (global setup) and keeps its IAM facts in a file, reused while the
 * constructs and their inputs are unchanged (a synthesis takes ~15 s on a loaded machine).
 */
export async function prepareStackFacts(): Promise<string> {
  const hash = createHash('sha256');
  for (const input of INPUTS)
    for (const file of await filesUnder(input)) hash.update(file).update(await readFile(file));
  const path = join(CACHE, `iam-stack-facts-${hash.digest('hex').slice(0, 16)}.json`);
  if (existsSync(path)) return path;
  const { synthesizeStackFacts } = await import('./stack-facts.ts');
  await mkdir(CACHE, { recursive: true });
  // One file is kept: those of earlier sources are stale.
  for (const stale of await readdir(CACHE))
    if (stale.startsWith('iam-stack-facts-')) await rm(join(CACHE, stale), { force: true });
  const partial = `${path}.${process.pid}.tmp`;
  await writeFile(partial, JSON.stringify(synthesizeStackFacts()));
  await rename(partial, path);
  return path;
}

export async function readStackFacts(path: string): Promise<StackFacts> {
  return JSON.parse(await readFile(path, 'utf8')) as StackFacts;
}

async function filesUnder(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  if (!path.startsWith('lib/')) return [path];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}
