import { MAP_RESULTS_FIELD } from '../compiler/worker-contract.ts';
import { XComReferenceError } from './xcom-reference-error.ts';

/** A distributed mapping's record output: where its Map Run's ResultWriter manifest is. */
export interface MapResultsRef {
  readonly [MAP_RESULTS_FIELD]: string;
}

export function isMapResultsRef(value: unknown): value is MapResultsRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as Record<string, unknown>)[MAP_RESULTS_FIELD] === 'string' &&
    Object.keys(value).length === 1
  );
}

/**
 * The ResultWriter manifest Step Functions writes at the end of a Map Run (the local engine writes the same):
 * the result files by the status of the child executions they list.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html
 */
export interface ResultWriterManifest {
  readonly DestinationBucket: string;
  readonly MapRunArn: string;
  readonly ResultFiles: Readonly<Record<string, ReadonlyArray<{ readonly Key: string; readonly Size: number }>>>;
}

/** One child execution in a result file: its output is JSON text (absent for one that failed or did not run). */
export interface ResultFileEntry {
  readonly Status: string;
  readonly Output?: string;
  readonly Input?: string;
}

/**
 * The item outputs of a distributed mapping, in item order: one entry per child execution listed in the result
 * files, the output of each item that succeeded at its place (`index` in the child's output: the files are not in
 * item order), `null` for an item that failed (within the tolerance), skipped itself or did not run.
 */
export async function readMapResults(uri: string, read: (uri: string) => Promise<string>): Promise<unknown[]> {
  let manifest: ResultWriterManifest;
  try {
    manifest = JSON.parse(await read(uri)) as ResultWriterManifest;
  } catch (error) {
    throw new XComReferenceError(uri, `cannot read the mapped results at ${uri}: ${(error as Error).message}`);
  }
  const files = Object.values(manifest.ResultFiles ?? {}).flat();
  let count = 0;
  const found: Array<[number, unknown]> = [];
  for (const file of files) {
    const entries = JSON.parse(await read(`s3://${manifest.DestinationBucket}/${file.Key}`)) as ResultFileEntry[];
    count += entries.length;
    for (const entry of entries) {
      if (entry.Status !== 'SUCCEEDED' || entry.Output === undefined) continue;
      const item = JSON.parse(entry.Output) as { index?: unknown; state?: unknown; output?: unknown };
      if (typeof item.index === 'number' && item.state === 'success') found.push([item.index, item.output ?? null]);
    }
  }
  const list: unknown[] = new Array(count).fill(null);
  for (const [index, output] of found) list[index] = output;
  return list;
}
