import { useEffect, useRef, useState } from 'preact/hooks';

/** How often a view asks again while it is shown (the "live": at most 2 s behind). */
export const POLL_MS = 2000;

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  /** Ask again now (after an action). */
  readonly reload: () => void;
}

/**
 * Data a view shows, asked for at once and again every POLL_MS while the page is visible, so a running run
 * changes on screen without a reload. A new `key` (or `reload`) starts afresh. `settled(answer)` ends the asking
 * once what is shown can no longer change (an ended try's log): the latest one given is asked at each answer, so
 * it may depend on props that change meanwhile.
 */
export function usePolled<T>(key: string, load: () => Promise<T>, settled?: (answer: T) => boolean): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const settledNow = useRef(settled);
  settledNow.current = settled;
  useEffect(() => {
    setData(undefined);
    setError(undefined);
  }, [key]);
  useEffect(() => {
    let gone = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = async () => {
      if (document.visibilityState === 'visible') {
        try {
          const answer = await load();
          if (gone) return;
          setData(answer);
          setError(undefined);
          if (settledNow.current?.(answer) === true) return;
        } catch (failure) {
          if (gone) return;
          setError((failure as Error).message);
        }
      }
      if (!gone) timer = setTimeout(ask, POLL_MS);
    };
    void ask();
    return () => {
      gone = true;
      clearTimeout(timer);
    };
  }, [key, tick]);
  return { data, error, reload: () => setTick((n) => n + 1) };
}
