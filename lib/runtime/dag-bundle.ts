import { createHash } from 'node:crypto';
import { mkdir, readlink, rename, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AirstepError } from '../errors/airstep-error.ts';
import { collectDags, type Dag } from '../sdk/dag.ts';
import * as sdk from '../sdk/index.ts';
import { replaceFile } from './replace-file.ts';

/**
 * DAG bundles: dag-sync bundles a DAG file with esbuild into one ES module (its relative imports inlined; the
 * Airstep SDK, the AWS SDK and Node built-ins left as imports) and stores it under
 * `artifacts/<dag>/<version>/bundle.mjs`; workers load the version a message names. A bundle's `import … from
 * 'airstep'` resolves to a shim that hands over the worker's own SDK module, so the DAG's objects and the
 * runner's classes (`NonRetryableError`, `TaskRef`) are the same.
 */
const BUNDLE_FILE = 'bundle.mjs';
export const bundleKey = (dagId: string, version: string) => `artifacts/${dagId}/${version}/${BUNDLE_FILE}`;
/** The DAG version's compiled manifest, stored beside its bundle: what workers know of its tasks. */
export const manifestKey = (dagId: string, version: string) => `artifacts/${dagId}/${version}/manifest.json`;

/**
 * Bundles and sources are written below this folder, so their `airstep` import finds the shim. One per Airstep
 * installation (named by where this module is), so two checkouts on one machine never share a shim or an AWS SDK
 * link.
 */
export const BUNDLE_ROOT = join(
  tmpdir(),
  `airstep-dags-${createHash('sha256')
    .update(fileURLToPath(import.meta.url))
    .digest('hex')
    .slice(0, 12)}`,
);
const ROOT = BUNDLE_ROOT;
const SDK_KEY = Symbol.for('airstep.sdk');
let shim: Promise<void> | undefined;

/** The SDK module a bundle's `airstep` import is handed: this process's own (see the shim below). */
export function provideSdk(): void {
  (globalThis as Record<symbol, unknown>)[SDK_KEY] = sdk;
}

/**
 * `node_modules/airstep` under the bundle folder, re-exporting by name the SDK module of the process that imports
 * it (see `provideSdk`), and the AWS SDK linked beside it. Written once per process; an evaluating child process
 * may not write at all, so dag-sync writes these before it starts one.
 */
export function writeSdkShim(): Promise<void> {
  shim ??= (async () => {
    const names = Object.keys(sdk).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name));
    const folder = join(ROOT, 'node_modules', 'airstep');
    await mkdir(folder, { recursive: true });
    await replaceFile(
      join(folder, 'package.json'),
      JSON.stringify({ name: 'airstep', type: 'module', exports: './index.mjs' }),
    );
    await linkAwsSdk();
    await replaceFile(
      join(folder, 'index.mjs'),
      `const sdk = globalThis[Symbol.for('airstep.sdk')];\n${names.map((name) => `export const ${name} = sdk.${name};`).join('\n')}\n`,
    );
  })();
  return shim;
}

/** What a process that imports bundles needs: the shim on disk and its SDK handed over. */
async function ensureSdkShim(): Promise<void> {
  provideSdk();
  await writeSdkShim();
}

/** The `node_modules` folder this process finds the AWS SDK v3 in (and its dependencies beside it), if any. */
export function awsSdkModules(): string | undefined {
  try {
    return dirname(dirname(dirname(createRequire(import.meta.url).resolve('@aws-sdk/client-s3/package.json'))));
  } catch {
    return undefined;
  }
}

/**
 * DAG code may import the AWS SDK v3, which bundles leave as imports. ES modules resolve packages from the
 * importing file's folders only (no NODE_PATH), so the folder this process finds `@aws-sdk` in (node_modules
 * locally, the Lambda runtime's own copy on AWS) is linked under the bundle root.
 */
async function linkAwsSdk(): Promise<void> {
  const modules = awsSdkModules();
  if (modules === undefined) return; // no AWS SDK here: DAGs that import it fail with a clear "cannot find package"
  const link = join(ROOT, 'node_modules', '@aws-sdk');
  const target = join(modules, '@aws-sdk');
  if ((await readlink(link).catch(() => undefined)) === target) return;
  // Absent, or left pointing elsewhere (an SDK moved): a new link, renamed over the old one in one step.
  const fresh = `${link}.${process.pid}.${Date.now()}`;
  await symlink(target, fresh, 'dir');
  await rename(fresh, link);
}

const loaded = new Map<string, Promise<Dag[]>>();

/** Imports a bundle's DAGs once per version (`fetch` reads the bundle text, e.g. from S3). */
export function loadBundle(dagId: string, version: string, fetch: () => Promise<string>): Promise<Dag[]> {
  const key = `${dagId}@${version}`;
  let dags = loaded.get(key);
  if (dags === undefined) {
    dags = (async () => {
      await ensureSdkShim();
      const path = join(ROOT, 'bundles', encodeURIComponent(dagId), encodeURIComponent(version), BUNDLE_FILE);
      await mkdir(dirname(path), { recursive: true });
      await replaceFile(path, await fetch());
      return collectDags((await import(pathToFileURL(path).href)) as Record<string, unknown>);
    })();
    dags.catch(() => loaded.delete(key));
    loaded.set(key, dags);
  }
  return dags;
}

/** A bundle that does not define the DAG it was stored for. */
export class DagNotInBundleError extends AirstepError {
  override readonly name = 'DagNotInBundleError';
  readonly dagId: string;
  readonly dagVersion: string;

  constructor(dagId: string, dagVersion: string) {
    super(`bundle ${dagId}@${dagVersion} holds no DAG '${dagId}'`, { code: 'DAG_NOT_IN_BUNDLE' });
    this.dagId = dagId;
    this.dagVersion = dagVersion;
  }
}

/** A DAG version dag-sync stored a bundle for but no manifest: its tasks cannot be run (nothing says how). */
export class ManifestMissingError extends AirstepError {
  override readonly name = 'ManifestMissingError';
  readonly dagId: string;
  readonly dagVersion: string;

  constructor(dagId: string, dagVersion: string) {
    super(`no manifest stored for ${dagId}@${dagVersion} (${manifestKey(dagId, dagVersion)})`, {
      code: 'MANIFEST_MISSING',
    });
    this.dagId = dagId;
    this.dagVersion = dagVersion;
  }
}
