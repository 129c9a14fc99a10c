import type { ItemsLocation } from '../compiler/worker-contract.ts';
import { NonRetryableError } from '../sdk/errors.ts';
import type { XComKey, XComRef, XComStore } from './xcom.ts';

/**
 * The result of a task a distributed mapping maps over: the list is written whole to the XCom store, whatever
 * its size (the Map's ItemReader reads it there, so a list of any length never enters the 256 KiB payload), and
 * the answer carries both the usual XCom reference (other readers resolve it as any other) and where the list
 * is as S3 names it (`items`, which the task's record keeps for the ItemReader).
 */
export async function storeMapItems(
  value: unknown,
  store: XComStore,
  key: XComKey,
): Promise<{ readonly output: XComRef; readonly items: ItemsLocation }> {
  if (!Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;
    throw new NonRetryableError(
      `task '${key.taskId}' returned ${got}: a distributed mapping maps over its result, which must be a list`,
    );
  }
  if (store.locate === undefined) {
    throw new NonRetryableError(
      `task '${key.taskId}' feeds a distributed mapping, but this worker's XCom store cannot say where it keeps a list`,
    );
  }
  const json = JSON.stringify(value);
  const uri = await store.put(key, json);
  return { output: { xcomRef: uri, bytes: Buffer.byteLength(json, 'utf8') }, items: store.locate(uri) };
}
