import { AirstepError } from '../errors/airstep-error.ts';

/**
 * Time for the local engine. Real time by default; `speed` > 1 makes waits, retry delays, sensor intervals and
 * timeouts pass that many times faster, and `now()` advances at the same rate so timestamps stay consistent.
 * The speed is always explicit (`--speed`); a scaled clock is never hidden.
 */
export class Clock {
  readonly speed: number;
  private readonly realStart = performance.now();
  private readonly virtualStart: number;

  constructor(options: { speed?: number; start?: number } = {}) {
    this.speed = options.speed ?? 1;
    if (!(this.speed > 0)) throw new ClockSpeedError(this.speed);
    this.virtualStart = options.start ?? Date.now();
  }

  /** Milliseconds since the epoch, on this clock. */
  now(): number {
    return this.virtualStart + (performance.now() - this.realStart) * this.speed;
  }

  /**
   * The wall-clock time at which this clock read `clockTime`: what a person's watch showed. A sped-up clock runs
   * ahead of it, so the times shown to people (the grid, `tasks`) are converted back, never mixed with real ones.
   */
  wallTime(clockTime: number): number {
    return this.virtualStart + (clockTime - this.virtualStart) / this.speed;
  }

  /** Resolves after `ms` of this clock's time; rejects with the signal's reason if aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms / this.speed),
      );
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A timer on this clock; `reset` restarts it (heartbeats). */
  timer(ms: number, onFire: () => void): { reset(): void; cancel(): void } {
    let handle = setTimeout(onFire, ms / this.speed);
    return {
      reset: () => {
        clearTimeout(handle);
        handle = setTimeout(onFire, ms / this.speed);
      },
      cancel: () => clearTimeout(handle),
    };
  }
}

/** A clock speed that is not a positive number. */
export class ClockSpeedError extends AirstepError {
  override readonly name = 'ClockSpeedError';
  readonly speed: number;

  constructor(speed: number) {
    super(`clock speed must be > 0, got ${speed}`, { code: 'INVALID_CLOCK_SPEED' });
    this.speed = speed;
  }
}
