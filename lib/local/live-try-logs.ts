import type { LocalStore, TryLogKey } from './local-store.ts';

/**
 * How long lines wait before they are appended to their try's log: a try that ends sooner (most tries of a large
 * map) has its log written once, whole, and never appended to; a longer one grows at most this often.
 * @default 100
 */
const APPEND_AFTER_MS = 100;

interface Growing {
  readonly key: TryLogKey;
  pending: string[];
  /** Lines already appended: the file is this try's (its first append started it over). */
  started: boolean;
  timer?: ReturnType<typeof setTimeout>;
  /** The append under way, if one is. */
  writing?: Promise<void>;
}

/**
 * The logs of the tries a run has running, appended to as their lines come (`LocalStore.appendLiveLog`), so
 * `airstep logs --follow` and the UI see a try's log grow. When a try ends, `end` waits for its append under way
 * and appends nothing more: its whole log is then written over it (`writeTryLog`). A killed engine leaves the
 * lines appended so far, whole lines, in a readable file.
 */
export class LiveTryLogs {
  private readonly growing = new Map<string, Growing>();
  /** Tries that ended: a line that comes after (none should) must not start their log over. */
  private readonly ended = new Set<string>();

  constructor(
    private readonly store: LocalStore,
    private readonly appendAfterMs = APPEND_AFTER_MS,
  ) {}

  /** New lines of a running try. */
  add(key: TryLogKey, lines: readonly string[]): void {
    const id = idOf(key);
    if (this.ended.has(id)) return;
    let log = this.growing.get(id);
    if (log === undefined) {
      log = { key, pending: [], started: false };
      this.growing.set(id, log);
    }
    for (const line of lines) log.pending.push(line);
    this.schedule(log);
  }

  /** The try ended: what was appended is final until its whole log replaces it; lines still waiting are dropped. */
  async end(key: TryLogKey): Promise<void> {
    const id = idOf(key);
    this.ended.add(id);
    const log = this.growing.get(id);
    if (log === undefined) return;
    this.growing.delete(id);
    clearTimeout(log.timer);
    log.pending = [];
    await log.writing;
  }

  /**
   * The run stopped: every try still running gets the lines it logged (its log stays as it grew). A try whose end
   * is being written meanwhile (`end`) waits for these appends, so its whole log is written after them.
   */
  async endAll(): Promise<void> {
    const appends: Promise<void>[] = [];
    for (const log of this.growing.values()) {
      clearTimeout(log.timer);
      log.timer = undefined;
      const before = log.writing ?? Promise.resolve();
      log.writing = before.then(() => (log.pending.length > 0 ? this.append(log) : undefined));
      appends.push(log.writing);
    }
    await Promise.all(appends);
  }

  private schedule(log: Growing): void {
    if (log.timer !== undefined || log.writing !== undefined) return;
    log.timer = setTimeout(() => {
      log.timer = undefined;
      const writing = this.append(log).finally(() => {
        if (log.writing === writing) log.writing = undefined;
        // Lines that came during the append go next, unless the try has ended meanwhile.
        if (log.pending.length > 0 && this.growing.get(idOf(log.key)) === log) this.schedule(log);
      });
      log.writing = writing;
    }, this.appendAfterMs);
  }

  private async append(log: Growing): Promise<void> {
    const lines = log.pending;
    log.pending = [];
    const fresh = !log.started;
    log.started = true;
    try {
      await this.store.appendLiveLog(log.key, lines, fresh);
    } catch (error) {
      // A log that cannot grow (a full disk) is no reason to stop the run: the try's end writes it whole, or fails
      // the run's save as every other store write does.
      const reason = error instanceof Error ? error.message : String(error);
      process.stderr.write(`airstep: the log of ${log.key.taskId} try ${log.key.tryNumber} did not grow: ${reason}\n`);
    }
  }
}

function idOf(key: TryLogKey): string {
  return `${key.taskId}\u0000${key.mapIndex}\u0000${key.tryNumber}`;
}
