import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ItemsLocation } from '../compiler/worker-contract.ts';
import { type XComKey, type XComStore, xcomObjectKey } from '../runtime/xcom.ts';
import { XComReferenceError } from '../runtime/xcom-reference-error.ts';

/**
 * The bucket name a local run's Distributed Maps read and write (`${XComBucket}` in a local run): objects under
 * it are files under the store's root, so `s3://airstep-local-xcom/<key>` is `<root>/<key>`.
 */
export const LOCAL_XCOM_BUCKET = 'airstep-local-xcom';

/** XCom values of local runs, as files under `.airstep/xcom/` (written to a temporary name, then renamed). */
export class LocalXComStore implements XComStore {
  constructor(private readonly root = '.airstep') {}

  async put(key: XComKey, json: string): Promise<string> {
    const path = resolve(join(this.root, xcomObjectKey(key)));
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, json);
    await rename(temporary, path);
    return pathToFileURL(path).href;
  }

  async get(uri: string): Promise<string> {
    const local = `s3://${LOCAL_XCOM_BUCKET}/`;
    if (uri.startsWith(local)) return readFile(this.pathOf(uri.slice(local.length)), 'utf8');
    if (!uri.startsWith('file:')) throw new XComReferenceError(uri, `the local XCom store cannot read ${uri}`);
    return readFile(fileURLToPath(uri), 'utf8');
  }

  /** Where a value the store wrote is, as the Map's ItemReader names it (`{ Bucket, Key }`). */
  locate(uri: string): ItemsLocation {
    const path = fileURLToPath(uri);
    const key = relative(resolve(this.root), path).split(sep).join('/');
    if (key.startsWith('..')) throw new XComReferenceError(uri, `${uri} is not in the local XCom store`);
    return { Bucket: LOCAL_XCOM_BUCKET, Key: key };
  }

  /** The file of a key under the store's root. */
  pathOf(key: string): string {
    const path = resolve(this.root, key);
    if (relative(resolve(this.root), path).startsWith('..')) {
      throw new XComReferenceError(key, `${key} is not in the local XCom store`);
    }
    return path;
  }
}
