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
 * per try, growing while the try runs and written whole as it ends, before the task's record says so (one chain of
 * writes), so a try its record shows ended has its whole log. The cursor is how many characters were read; a read
 * stops after the last whole line, since a growing log may end in a line still being appended.
 */
export class LocalTaskLogs {
  readonly where: string;

  constructor(private readonly store: LocalStore) {
    this.where = store.root;
  }

  async read(tags: TryKey, after = 0): Promise<{ text: string; cursor: number } | undefined> {
    const log = await this.store.readLog(tags.dagId, tags.runId, tags.taskId, tags.mapIndex, tags.tryNumber);
    if (log === undefined) return undefined;
    const whole = log.lastIndexOf('\n') + 1;
    const cursor = Math.max(whole, after);
    return { text: log.slice(after, cursor), cursor };
  }

  /** Every local try has a record (the run's tasks.json), so the CLI never needs to ask the logs. */
  async latestTry(_query: Omit<TryKey, 'tryNumber'>): Promise<number | undefined> {
    return undefined;
  }
}
