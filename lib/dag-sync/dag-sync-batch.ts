import { type DagFileChange, dagFileChanges } from './dag-file-change.ts';
import { type DagSyncDeps, type SyncResult, syncDagFile } from './dag-sync.ts';

/** One SQS message of the dag-sync queue: its id and its body (an S3 event notification). */
export interface DagEventMessage {
  readonly id: string;
  readonly body: string;
}

export interface DagSyncBatchOptions {
  /** Files synced at once (each evaluation is an invocation of the evaluator Lambda). @default 4 */
  readonly concurrency?: number;
  readonly onResult?: (result: SyncResult) => void;
  readonly onError?: (messageId: string, change: DagFileChange | undefined, error: unknown) => void;
}

/**
 * Syncs a batch of dag-sync messages: different files at the same time (a file that takes its whole time limit
 * does not hold the others up), the events of one file one after another in the order they came. Returns the ids
 * of the messages that failed, for SQS to deliver again; a later event of the same file still goes ahead (its
 * sequencer makes the failed, older one stale when it comes back).
 */
export async function syncDagBatch(
  messages: readonly DagEventMessage[],
  deps: DagSyncDeps,
  options: DagSyncBatchOptions = {},
): Promise<string[]> {
  const failed = new Set<string>();
  const byFile = new Map<string, Array<{ id: string; change: DagFileChange }>>();
  for (const message of messages) {
    let changes: DagFileChange[];
    try {
      changes = dagFileChanges(message.body);
    } catch (error) {
      failed.add(message.id);
      options.onError?.(message.id, undefined, error);
      continue;
    }
    for (const change of changes) {
      const queue = byFile.get(change.key) ?? [];
      queue.push({ id: message.id, change });
      byFile.set(change.key, queue);
    }
  }
  const files = [...byFile.values()];
  const worker = async () => {
    for (let queue = files.shift(); queue !== undefined; queue = files.shift()) {
      for (const { id, change } of queue) {
        try {
          options.onResult?.(await syncDagFile(change, deps));
        } catch (error) {
          failed.add(id);
          options.onError?.(id, change, error);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return messages.filter((message) => failed.has(message.id)).map((message) => message.id);
}
