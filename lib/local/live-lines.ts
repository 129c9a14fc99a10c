/** How long a task that logs without pause (a busy loop) may keep its lines before they are sent. */
const SEND_EVERY_MS = 50;

/**
 * A try's log lines on their way to the engine as they are logged, so the try's log grows while it runs: the
 * first line of a quiet spell goes at once; lines that follow it closely go together, at the end of the event
 * loop's turn or every SEND_EVERY_MS, so a task logging thousands of lines sends far fewer messages.
 */
export class LiveLines {
  private pending: string[] = [];
  private sentAt = 0;
  private scheduled = false;

  constructor(private readonly send: (lines: string[]) => void) {}

  add(line: string): void {
    this.pending.push(line);
    const now = Date.now();
    if (now - this.sentAt >= SEND_EVERY_MS) {
      this.flush();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    this.sentAt = Date.now();
    this.send(lines);
  }
}
