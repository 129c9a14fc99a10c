import type { ItemsLocation } from '../compiler/worker-contract.ts';
import { DEFAULT_XCOM_OFFLOAD_BYTES } from '../compiler/xcom-default.ts';
import { isMapResultsRef, readMapResults } from './map-results.ts';

/**
 * XCom offload. Task results travel in the state payload, which Step Functions caps at 256 KiB for the whole
 * run; a result larger than the DAG's `xcomOffloadBytes` (8 KiB unless set) is written to an XCom store (S3 on AWS, `.airstep/xcom` locally)
 * and only a reference travels. Workers resolve references before calling a task function, so task code never
 * sees one. A list that a downstream task expands over stays a list (the Map state iterates it); its large items
 * are offloaded one by one instead.
 */
export const XCOM_INLINE_LIMIT_BYTES = DEFAULT_XCOM_OFFLOAD_BYTES;

export interface XComRef {
  /** Where the value is: `s3://bucket/key` or a local store URI. */
  readonly xcomRef: string;
  readonly bytes: number;
}

/** Where the value of one try's result lives. */
export interface XComKey {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly mapIndex: number;
  readonly tryNumber: number;
  /** Position in a list result whose items are offloaded one by one. */
  readonly item?: number;
}

export interface XComStore {
  /** Stores JSON text; returns the URI to read it back with. */
  put(key: XComKey, json: string): Promise<string>;
  get(uri: string): Promise<string>;
  /** Where a value the store wrote is as S3 names it (a distributed mapping's ItemReader reads it there). */
  locate?(uri: string): ItemsLocation;
}

export function isXComRef(value: unknown): value is XComRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as XComRef).xcomRef === 'string' &&
    typeof (value as XComRef).bytes === 'number' &&
    Object.keys(value).length === 2
  );
}

/** The object key (or relative path) of an XCom value; run ids hold ':' and '+', so every part is encoded. */
export function xcomObjectKey(key: XComKey): string {
  const parts = [key.dagId, key.runId, key.taskId, String(key.mapIndex)].map(encodeURIComponent);
  const name = key.item !== undefined ? `try-${key.tryNumber}-item-${key.item}.json` : `try-${key.tryNumber}.json`;
  return `xcom/${parts.join('/')}/${name}`;
}

/** Replaces a result (or, for a list that feeds a Map, each large item) above the limit with a reference. */
export async function offloadResult(
  value: unknown,
  options: { store: XComStore; key: XComKey; limitBytes?: number; keepList: boolean },
): Promise<unknown> {
  const limit = options.limitBytes ?? XCOM_INLINE_LIMIT_BYTES;
  const json = JSON.stringify(value) ?? 'null';
  if (byteLength(json) <= limit) return value;
  if (options.keepList && Array.isArray(value)) {
    return Promise.all(
      value.map(async (item, index) => {
        const itemJson = JSON.stringify(item) ?? 'null';
        const bytes = byteLength(itemJson);
        if (bytes <= limit / 8) return item;
        return { xcomRef: await options.store.put({ ...options.key, item: index }, itemJson), bytes };
      }),
    );
  }
  return { xcomRef: await options.store.put(options.key, json), bytes: byteLength(json) } satisfies XComRef;
}

/** Replaces every reference in a value (a reference, or a list holding some) by what it points to. */
export async function resolveRefs(value: unknown, store: XComStore): Promise<unknown> {
  if (isXComRef(value)) return JSON.parse(await store.get(value.xcomRef));
  // A distributed mapping's results: the list of its item outputs, whose large ones are references in turn.
  if (isMapResultsRef(value)) {
    return resolveRefs(await readMapResults(value.mapResults, (uri) => store.get(uri)), store);
  }
  if (Array.isArray(value) && value.some(isXComRef)) return Promise.all(value.map((item) => resolveRefs(item, store)));
  // An item of a cross product (`expand` over named lists) holds one value of each list, offloaded or not.
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).some(isXComRef)) {
    const entries = Object.entries(value);
    return Object.fromEntries(await Promise.all(entries.map(async ([k, v]) => [k, await resolveRefs(v, store)])));
  }
  return value;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
