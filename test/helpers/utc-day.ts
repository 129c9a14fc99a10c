const DAY_MS = 86_400_000;

/**
 * The start (UTC midnight, in ms) of a day with at least `roomMs` of it still to come: today's, or, when less is
 * left, tomorrow's, after waiting for it to begin. For tests whose expected dates are counted from today while the
 * code under test reads the clock itself (a Lambda handler, a spawned CLI): give `roomMs` at least what the rest of
 * the file may take (its timeouts), and no midnight falls between the test's "today" and the code's.
 */
export async function utcDayWithRoom(roomMs: number): Promise<number> {
  const now = Date.now();
  const midnight = Math.floor(now / DAY_MS) * DAY_MS;
  if (midnight + DAY_MS - now >= roomMs) return midnight;
  // A wait for a condition (the next day has begun), not a pace: it happens only in the last `roomMs` of a day.
  while (Date.now() < midnight + DAY_MS) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, midnight + DAY_MS - Date.now())));
  }
  return midnight + DAY_MS;
}
