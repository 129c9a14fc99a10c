/**
 * The queue of tries waiting for a slot counter (a pool, or a DAG's maxActiveTasks), kept in the counter's own
 * DynamoDB item so one conditional write sees the counter and its queue together. These are the pure rules; the
 * reads and writes are in `pool-slots.ts`.
 *
 * A waiter is served by priority weight (higher first), then arrival (the counter numbers its waiters as they
 * register). A waiter holds its place only while it keeps asking: each ask renews its lease, and a waiter whose
 * lease ran out (its message was lost, its worker died) no longer blocks anyone.
 */

/** One try waiting for a counter. */
export interface SlotWaiter {
  /** The try's effective priority weight (the manifest's `priorityWeight`). */
  readonly priority: number;
  /** The counter's arrival number for this waiter: lower came first. Kept across asks. */
  readonly arrival: number;
  readonly slots: number;
  /** Epoch milliseconds after which the waiter counts as gone. */
  readonly leaseUntil: number;
}

/**
 * How long a waiter keeps its place without asking again. Workers ask every `POOL_RETRY_SECONDS` (10 s) or more
 * often, so a live waiter renews it several times over; a dead one blocks its counter for at most this long.
 */
export const WAITER_LEASE_MS = 60_000;

/** The waiter's key in its counter's `waiters` map: the holder without its slot count (one entry per try). */
export function waiterKey(holder: {
  readonly executionArn: string;
  readonly taskId: string;
  readonly mapIndex: number;
  readonly tryNumber: number;
}): string {
  return `${holder.executionArn}|${holder.taskId}|${holder.mapIndex}|${holder.tryNumber}`;
}

/** Whether `a` is served before `b`: higher priority, then earlier arrival. */
export function servedBefore(
  a: Pick<SlotWaiter, 'priority' | 'arrival'>,
  b: Pick<SlotWaiter, 'priority' | 'arrival'>,
): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.arrival < b.arrival);
}

export function isLive(waiter: SlotWaiter, now: number): boolean {
  return waiter.leaseUntil > now;
}

/** Keys of waiters whose lease ran out: removed by the next write to the counter. */
export function expiredWaiters(waiters: Readonly<Record<string, SlotWaiter>>, now: number): string[] {
  return Object.entries(waiters)
    .filter(([, waiter]) => !isLive(waiter, now))
    .map(([key]) => key);
}

/** Keys of the waiters that are tries of one execution (the recorder removes them when it ends). */
export function waitersOfExecution(keys: readonly string[], executionArn: string): string[] {
  return keys.filter((key) => key.startsWith(`${executionArn}|`));
}

/**
 * What a try asking a counter does, as Airflow's scheduler decides (`_executable_task_instances_to_queued`): the
 * live waiters are served in rank order, each one whose slots fit the slots still open taking them, and one that
 * does not fit is passed over (so a lower-ranked, smaller request may go ahead of it, as in Airflow, where "we can
 * execute tasks with lower priority if there's enough room"). The asking try may `take` when its slots fit what is
 * left after every better-ranked live waiter that fits; otherwise it must `wait`, registering (or renewing)
 * itself as a waiter. A try not yet registered ranks after every live waiter of its priority (it arrives last).
 */
export function slotDecision(
  counter: { readonly used: number; readonly capacity: number; readonly waiters: Readonly<Record<string, SlotWaiter>> },
  asking: { readonly key: string; readonly slots: number; readonly priority: number },
  now: number,
): 'take' | 'wait' {
  const own = counter.waiters[asking.key];
  const rank = { priority: asking.priority, arrival: own?.arrival ?? Number.POSITIVE_INFINITY };
  const ahead = Object.entries(counter.waiters)
    .filter(([key, waiter]) => key !== asking.key && isLive(waiter, now) && servedBefore(waiter, rank))
    .map(([, waiter]) => waiter)
    .sort((a, b) => (servedBefore(a, b) ? -1 : 1));
  let open = counter.capacity - counter.used;
  for (const waiter of ahead) if (waiter.slots <= open) open -= waiter.slots;
  return asking.slots <= open ? 'take' : 'wait';
}
