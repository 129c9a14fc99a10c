import type { Clock } from './clock.ts';

/** The part of the engine's clock a deadline watch uses (a test may hand a clock it fires by hand). */
export type DeadlineClock = Pick<Clock, 'now' | 'timer'>;

export interface DeadlineWatch {
  /**
   * The run ended, at `clock.now()`: a run that ends after its deadline missed it even if the timer has not run
   * yet (a busy event loop). Returns whether the run missed its deadline.
   */
  end(): boolean;
}

/**
 * The local engine's deadline, as the cloud's schedule and recorder together: when the clock reaches `deadline`
 * and the run has not ended, `onMiss` is called once with the clock's time; a deadline already past misses at
 * once. The same rule as the cloud's: missed when not ended by the deadline.
 */
export function watchDeadline(deadline: Date, clock: DeadlineClock, onMiss: (at: Date) => void): DeadlineWatch {
  let ended = false;
  let missed = false;
  const miss = () => {
    if (ended || missed) return;
    missed = true;
    // The timer fires when the clock reaches the deadline; a sped-up clock read a millisecond of real time early
    // can still say a little before it (600 ms at speed 600).
    onMiss(new Date(Math.max(clock.now(), deadline.getTime())));
  };
  const timer = clock.timer(Math.max(0, deadline.getTime() - clock.now()), miss);
  return {
    end() {
      if (!ended && !missed && clock.now() > deadline.getTime()) miss();
      ended = true;
      timer.cancel();
      return missed;
    },
  };
}
