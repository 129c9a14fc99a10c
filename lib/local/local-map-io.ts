import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ChildResult, DistributedMapIo, MapResultsWriter } from './distributed-map.ts';
import { LOCAL_XCOM_BUCKET, type LocalXComStore } from './local-xcom-store.ts';
import { StatesError } from './states-error.ts';

/**
 * A local run's Distributed Maps read and write S3 objects as files of the local XCom store (bucket
 * `airstep-local-xcom`): the list a worker wrote (ItemReader), and the results in ResultWriter's layout
 * (`<prefix>/<map run id>/SUCCEEDED_0.json`, `FAILED_0.json`, `manifest.json`), which workers resolve as they
 * resolve the S3 objects Step Functions writes (lib/runtime/map-results.ts).
 */
export class LocalMapIo implements DistributedMapIo {
  constructor(private readonly store: LocalXComStore) {}

  async readItems(bucket: string, key: string): Promise<unknown> {
    this.checkBucket(bucket);
    return JSON.parse(await readFile(this.store.pathOf(key), 'utf8'));
  }

  async openResults(bucket: string, prefix: string, mapRunArn: string): Promise<MapResultsWriter> {
    this.checkBucket(bucket);
    const runId = mapRunArn.slice(mapRunArn.lastIndexOf(':') + 1);
    const folder = `${prefix.replace(/\/+$/, '')}/${runId}`;
    await mkdir(this.store.pathOf(folder), { recursive: true });
    return new ResultFiles(this.store, folder, mapRunArn);
  }

  private checkBucket(bucket: string): void {
    if (bucket !== LOCAL_XCOM_BUCKET) {
      throw new StatesError(
        'States.Runtime',
        `a local run reads and writes bucket ${LOCAL_XCOM_BUCKET}, not ${bucket}`,
      );
    }
  }
}

/** One JSON list per status, written entry by entry as children end (nothing kept in memory). */
class ResultFiles implements MapResultsWriter {
  private readonly files = new Map<string, { stream: WriteStream; key: string; size: number; count: number }>();

  constructor(
    private readonly store: LocalXComStore,
    private readonly folder: string,
    private readonly mapRunArn: string,
  ) {}

  add(result: ChildResult): void {
    let file = this.files.get(result.Status);
    if (file === undefined) {
      const key = `${this.folder}/${result.Status}_0.json`;
      file = { stream: createWriteStream(this.store.pathOf(key)), key, size: 0, count: 0 };
      this.files.set(result.Status, file);
    }
    const text = `${file.count === 0 ? '[' : ','}${JSON.stringify(result)}`;
    file.stream.write(text);
    file.size += Buffer.byteLength(text);
    file.count++;
  }

  async close(): Promise<{ Bucket: string; Key: string }> {
    const resultFiles: Record<string, Array<{ Key: string; Size: number }>> = {
      FAILED: [],
      PENDING: [],
      SUCCEEDED: [],
    };
    for (const [status, file] of this.files) {
      await new Promise<void>((resolve, reject) => {
        file.stream.on('error', reject);
        file.stream.end(']', () => resolve());
      });
      resultFiles[status] = [{ Key: file.key, Size: file.size + 1 }];
    }
    const key = `${this.folder}/manifest.json`;
    const path = this.store.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(
      path,
      JSON.stringify({ DestinationBucket: LOCAL_XCOM_BUCKET, MapRunArn: this.mapRunArn, ResultFiles: resultFiles }),
    );
    return { Bucket: LOCAL_XCOM_BUCKET, Key: key };
  }
}
