import type { Retrier } from '../compiler/asl-types.ts';
import { isUncatchable } from './states-error.ts';

/**
 * Whether an error name matches an `ErrorEquals` list. `States.ALL` matches every catchable error;
 * `States.TaskFailed` matches every error except `States.Timeout`.
 */
export function errorMatches(errorEquals: readonly string[], error: string, aliases: readonly string[] = []): boolean {
  if (isUncatchable(error)) return false;
  return errorEquals.some(
    (name) =>
      name === error ||
      aliases.includes(name) ||
      name === 'States.ALL' ||
      (name === 'States.TaskFailed' && error !== 'States.Timeout'),
  );
}

/**
 * The first retrier matching the error decides: retry after this many ms, or undefined when its attempts are
 * used up (then Catch applies). `attempts` counts retries already made per retrier index.
 */
export function retryDelay(
  retriers: readonly Retrier[] | undefined,
  error: string,
  attempts: number[],
  random: () => number = Math.random,
  aliases: readonly string[] = [],
): number | undefined {
  const index = (retriers ?? []).findIndex((retrier) => errorMatches(retrier.ErrorEquals, error, aliases));
  if (index < 0) return undefined;
  const retrier = retriers![index]!;
  const made = attempts[index] ?? 0;
  if (made >= (retrier.MaxAttempts ?? 3)) return undefined;
  attempts[index] = made + 1;
  let delay = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** made;
  if (retrier.MaxDelaySeconds !== undefined) delay = Math.min(delay, retrier.MaxDelaySeconds);
  if (retrier.JitterStrategy === 'FULL') delay = random() * delay;
  return delay * 1000;
}
