import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type XComKey, type XComStore, xcomObjectKey } from '../runtime/xcom.ts';
import { XComReferenceError } from '../runtime/xcom-reference-error.ts';

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
    if (!uri.startsWith('file:')) throw new XComReferenceError(uri, `the local XCom store cannot read ${uri}`);
    return readFile(fileURLToPath(uri), 'utf8');
  }
}
