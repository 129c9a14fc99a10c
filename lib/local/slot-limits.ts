/**
 * Concurrency limits of the local engine, held across every run in this process: a DAG's `maxActiveTasks`
 * (across all its runs, as in Airflow) and pools (named slot counts shared by every DAG). A try takes its slots
 * when it is about to run and gives them back when it ends, so a task waiting to retry holds nothing.
 */
import { AirstepError } from '../errors/airstep-error.ts';
import { DEFAULT_POOL_SLOTS } from '../runtime/default-pool.ts';

/**
 * A try asks for more slots than a pool (or a DAG's maxActiveTasks) has: it could never run. The message names
 * the limit; `airstep dev` rebuilds the error from it on the other side of its process boundary.
 */
export class SlotsOverCapacityError extends AirstepError {
  override readonly name = 'SlotsOverCapacityError';

  constructor(message: string) {
    super(message, { code: 'SLOTS_OVER_CAPACITY' });
  }
}

interface Waiter {
  readonly slots: number;
  readonly priority: number;
  readonly order: number;
  readonly grant: () => void;
}

/** A counting semaphore that serves waiters by priority weight (higher first), then in arrival order. */
export class SlotSemaphore {
  private used = 0;
  private readonly waiters: Waiter[] = [];
  private arrivals = 0;

  constructor(
    readonly name: string,
    readonly capacity: number,
  ) {}

  get inUse(): number {
    return this.used;
  }

  /** How many tries wait for slots. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Waits for `slots` slots; resolves with the function that gives them back (idempotent). */
  acquire(slots: number, priority = 1): Promise<() => void> {
    if (slots > this.capacity) {
      return Promise.reject(
        new SlotsOverCapacityError(`${this.name} has ${this.capacity} slots; the task asks for ${slots}`),
      );
    }
    return new Promise((resolve) => {
      this.waiters.push({ slots, priority, order: this.arrivals++, grant: () => resolve(this.releaser(slots)) });
      this.waiters.sort((a, b) => b.priority - a.priority || a.order - b.order);
      this.grantWaiting();
    });
  }

  private releaser(slots: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= slots;
      this.grantWaiting();
    };
  }

  /**
   * Grants in priority order, as Airflow's scheduler does: each waiter whose slots fit what is still free gets
   * them; one that does not fit is passed over (a smaller, lower-ranked request may go ahead of it) and keeps its
   * place for the next release. The cloud workers decide the same way (`lib/worker/slot-waiters.ts`).
   */
  private grantWaiting(): void {
    for (let index = 0; index < this.waiters.length; ) {
      const next = this.waiters[index]!;
      if (this.used + next.slots > this.capacity) {
        index++;
        continue;
      }
      this.waiters.splice(index, 1);
      this.used += next.slots;
      next.grant();
    }
  }
}

export interface SlotRequest {
  readonly dagId: string;
  readonly maxActiveTasks: number;
  readonly pool?: { readonly name: string; readonly slots: number };
  readonly priorityWeight: number;
}

export class LocalLimits {
  private readonly dags = new Map<string, SlotSemaphore>();
  private readonly pools = new Map<string, SlotSemaphore>();

  constructor(private readonly poolSizes: Readonly<Record<string, number>> = {}) {}

  /** Takes a DAG slot, then the pool's slots (always in that order, so two tries never wait on each other). */
  async acquire(request: SlotRequest): Promise<() => void> {
    const releaseDag = await this.dag(request.dagId, request.maxActiveTasks).acquire(1, request.priorityWeight);
    if (request.pool === undefined) return releaseDag;
    try {
      const releasePool = await this.pool(request.pool.name).acquire(request.pool.slots, request.priorityWeight);
      return () => {
        releasePool();
        releaseDag();
      };
    } catch (error) {
      releaseDag();
      throw error;
    }
  }

  pool(name: string): SlotSemaphore {
    let pool = this.pools.get(name);
    if (pool === undefined) {
      pool = new SlotSemaphore(`pool '${name}'`, this.poolSizes[name] ?? DEFAULT_POOL_SLOTS);
      this.pools.set(name, pool);
    }
    return pool;
  }

  private dag(dagId: string, maxActiveTasks: number): SlotSemaphore {
    let dag = this.dags.get(dagId);
    if (dag === undefined) {
      dag = new SlotSemaphore(`DAG '${dagId}' (maxActiveTasks)`, maxActiveTasks);
      this.dags.set(dagId, dag);
    }
    return dag;
  }
}
