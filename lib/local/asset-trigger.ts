import { assetDecision } from '../assets/asset-condition.ts';
import type { AssetEvent } from '../assets/asset-event.ts';
import { consume, queuedEvents } from '../assets/asset-queue.ts';
import type { AssetConditionIR } from '../compiler/asset-ir.ts';
import { runId } from '../schedule/index.ts';
import type { LocalAssetEvents } from './local-asset-events.ts';

/** A DAG scheduled on assets, as `airstep dev` loaded it. */
export interface AssetConsumer {
  readonly dagId: string;
  readonly condition: AssetConditionIR;
  readonly maxActiveRuns: number;
}

/** An asset-triggered run to start: when, its run id, and the events it consumed (asset URI -> events). */
export interface DueAssetRun {
  readonly dagId: string;
  readonly runId: string;
  readonly at: Date;
  readonly triggeringAssetEvents: Readonly<Record<string, readonly AssetEvent[]>>;
}

/**
 * `airstep dev`'s asset scheduling: on each pass, every consumer whose condition the queued events meet gets one
 * run, which consumes them (its book is saved before the run is handed out, so an event is never consumed twice).
 * A consumer at `maxActiveRuns` asset-triggered runs keeps its events queued until one ends, as Airflow's does.
 * Only `dev` consumes: any process may record events (`airstep run`, the runs `dev` starts).
 */
export class AssetTrigger {
  private readonly consumers = new Map<string, AssetConsumer>();
  private readonly active = new Map<string, number>();

  constructor(
    private readonly store: LocalAssetEvents,
    private readonly isPaused: (dagId: string) => boolean = () => false,
  ) {}

  set(consumer: AssetConsumer): void {
    this.consumers.set(consumer.dagId, consumer);
  }

  remove(dagId: string): void {
    this.consumers.delete(dagId);
  }

  /** The consumers loaded now (what watchers `airstep dev` polls for). */
  loaded(): AssetConsumer[] {
    return [...this.consumers.values()];
  }

  /** The runs due now (each counted active until `finished`). */
  async pass(now: Date): Promise<DueAssetRun[]> {
    if (this.consumers.size === 0) return [];
    const events = await this.store.events();
    const due: DueAssetRun[] = [];
    for (const consumer of this.consumers.values()) {
      // The book is made the first time a consumer is seen, paused or not: it queues from then on.
      const book = await this.store.book(consumer.dagId, now);
      if (this.isPaused(consumer.dagId)) {
        // Airflow 3 queues no event for a paused DAG: what arrives while it is paused never triggers it (the
        // deployed stack's trigger does the same, lib/runs/asset-consumers.ts).
        const ignored = queuedEvents(book, events);
        if (ignored.length > 0) await this.store.saveBook(consume(book, ignored));
        continue;
      }
      if ((this.active.get(consumer.dagId) ?? 0) >= consumer.maxActiveRuns) continue;
      const decision = assetDecision(consumer.condition, queuedEvents(book, events));
      if (!decision.due) continue;
      await this.store.saveBook(consume(book, decision.consumed));
      this.active.set(consumer.dagId, (this.active.get(consumer.dagId) ?? 0) + 1);
      due.push({
        dagId: consumer.dagId,
        runId: runId('asset_triggered', now.toISOString()),
        at: now,
        triggeringAssetEvents: decision.triggering,
      });
    }
    return due;
  }

  /** An asset-triggered run of `dagId` ended (or never started). */
  finished(dagId: string): void {
    const count = this.active.get(dagId) ?? 0;
    if (count > 0) this.active.set(dagId, count - 1);
  }
}
