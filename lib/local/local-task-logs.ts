import type { LocalStore } from './local-store.ts';

/** One try of a task instance (the shape of the stack contract's TaskLogTags, which lib/local does not import). */
interface TryKey {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly mapIndex: number;
  readonly tryNumber: number;
}

/**
 * The local store's log files as `airstep logs` reads them (the `TaskLogSource` port of lib/cli/history): one file
 * per try, written when the try ends and before the task's record says so (one chain of writes), so a try its
 * record shows ended has its whole log; the cursor is how many characters were read.
 */
export class LocalTaskLogs {
  readonly where: string;

  constructor(private readonly store: LocalStore) {
    this.where = store.root;
  }

  async read(tags: TryKey, after = 0): Promise<{ text: string; cursor: number } | undefined> {
    const log = await this.store.readLog(tags.dagId, tags.runId, tags.taskId, tags.mapIndex, tags.tryNumber);
    return log === undefined ? undefined : { text: log.slice(after), cursor: log.length };
  }

  /** Every local try has a record (the run's tasks.json), so the CLI never needs to ask the logs. */
  async latestTry(_query: Omit<TryKey, 'tryNumber'>): Promise<number | undefined> {
    return undefined;
  }
}
