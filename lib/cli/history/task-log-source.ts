import type { TaskLogQuery, TaskLogTags } from '../../stack-contract/task-log-line.ts';

/**
 * Where `airstep logs` reads a try's log from: the local store's log files (`LocalTaskLogs`, lib/local) or the
 * deployed stack's worker log groups (`CloudTaskLogText`, lib/runs). One port, two adapters, as `RunHistory`.
 * `C` is the adapter's cursor: where a read left off, so `--follow` prints each line once.
 */
export interface TaskLogSource<C = unknown> {
  /** Where the logs are kept, for messages. */
  readonly where: string;
  /** The try's log text after `after`, and the cursor to read on from; undefined while the try has logged nothing. */
  read(tags: TaskLogTags, after?: C): Promise<{ text: string; cursor: C } | undefined>;
  /** The newest try of the instance that logged a line: for a task whose record is not written yet. */
  latestTry(query: TaskLogQuery): Promise<number | undefined>;
}
