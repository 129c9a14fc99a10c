import type { AssetEvent } from './asset-event.ts';

/**
 * What a consumer DAG has consumed: events recorded since `since` that are not in `consumed` are queued for it.
 * Remembering ids (not a single "up to" cursor) means an event recorded by a slow writer a moment after a newer
 * one was consumed is still queued, never lost.
 */
export interface ConsumerBook {
  readonly dagId: string;
  /** Events with an id before this are not the consumer's (recorded before it was first seen, or long consumed). */
  readonly since: string;
  /** Ids of events at or after `since` that a run of the consumer already consumed. */
  readonly consumed: readonly string[];
}

/** How long a late-written event can still arrive after a newer one: ids older than this are settled. */
const SETTLE_MS = 60 * 60 * 1000;

/** A fresh consumer: it queues events recorded from `now` on (as Airflow queues events only for DAGs that exist). */
export function newConsumerBook(dagId: string, now: Date): ConsumerBook {
  return { dagId, since: eventIdTime(now), consumed: [] };
}

/** The events queued for the consumer, oldest first. */
export function queuedEvents(book: ConsumerBook, events: readonly AssetEvent[]): AssetEvent[] {
  const consumed = new Set(book.consumed);
  return events.filter((event) => event.id >= book.since && !consumed.has(event.id)).sort(byId);
}

/**
 * The book after a run consumed `events`: their ids added, and everything settled (older than an hour before the
 * newest consumed event) folded into `since`, so the book stays small.
 */
export function consume(book: ConsumerBook, events: readonly AssetEvent[]): ConsumerBook {
  const ids = [...book.consumed, ...events.map((event) => event.id)].sort();
  const newest = ids.at(-1);
  if (newest === undefined) return book;
  const settled = eventIdTime(new Date(Date.parse(timestampOfId(newest)) - SETTLE_MS));
  const since = settled > book.since ? settled : book.since;
  return { dagId: book.dagId, since, consumed: ids.filter((id) => id >= since) };
}

/**
 * A new event id: the time (sortable, file-name safe: `2026-12-07T14-10-00-123Z`) and a random suffix, so ids
 * sort by when they were recorded and two writers never make the same one.
 */
export function newEventId(at: Date, random: string): string {
  return `${eventIdTime(at)}~${random}`;
}

/** The ISO timestamp an id was made at. */
export function timestampOfId(id: string): string {
  const time = id.split('~')[0]!;
  return time.replace(/^(\d{4}-\d{2}-\d{2}T\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/, '$1:$2:$3.$4Z');
}

function eventIdTime(at: Date): string {
  return at.toISOString().replace(/:/g, '-').replace('.', '-');
}

const byId = (a: AssetEvent, b: AssetEvent) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
