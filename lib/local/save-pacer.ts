import { performance } from 'node:perf_hooks';

/**
 * Paces a run's live saves of its task records. Each save writes every instance of the run, so saving as often
 * as the disk allows made a map of n items write n records about n times: quadratic, and a large map's peak
 * memory. After a save that took t, the next waits until `ratio` × t has passed since it ended: saving takes at
 * most 1 / (ratio + 1) of the run and the records written grow linearly with the items. A small run's saves take
 * a millisecond and wait a few. `hurry()` (the run has ended) lets a waiting save go at once, and the next ones.
 */
export class SavePacer {
  private readyAt = 0;
  private hurried = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly ratio = 4,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Settles when the next save may start. */
  async turn(): Promise<void> {
    const delay = this.readyAt - this.now();
    if (this.hurried || delay <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake?.(), delay);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Runs one save, timing it for the wait before the next. */
  async save(write: () => Promise<void>): Promise<void> {
    const started = this.now();
    try {
      await write();
    } finally {
      const ended = this.now();
      this.readyAt = ended + this.ratio * (ended - started);
    }
  }

  hurry(): void {
    this.hurried = true;
    this.wake?.();
  }
}
