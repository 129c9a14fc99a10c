import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AssetEvent } from '../assets/asset-event.ts';
import { type ConsumerBook, newConsumerBook, newEventId } from '../assets/asset-queue.ts';
import {
  assetEventExpiry,
  DEFAULT_ASSET_EVENT_RETENTION_DAYS,
  parseRetentionDays,
} from '../compiler/asset-event-retention.ts';
import type { AssetEventInfo } from '../sdk/context.ts';
import { reportUnreadableStoreFile, unreadableReason } from './unreadable-store-file.ts';

/**
 * Asset events in the local store (`.airstep/assets/`): one file per event under `events/` (written whole, then
 * renamed: any process may record one, `airstep run` or a run `airstep dev` started), and one book per consumer
 * DAG under `consumers/` (what its runs consumed; only `airstep dev` writes them).
 */
export class LocalAssetEvents {
  constructor(
    private readonly root = '.airstep',
    /**
     * Days an event is kept, as in the cloud (lib/compiler/asset-event-retention.ts): each recording prunes
     * the expired ones, never the newest of an asset.
     * @default AIRSTEP_ASSET_EVENT_RETENTION_DAYS, else 90
     */
    private readonly retentionDays = parseRetentionDays(process.env.AIRSTEP_ASSET_EVENT_RETENTION_DAYS) ??
      DEFAULT_ASSET_EVENT_RETENTION_DAYS,
  ) {}

  /** Records one event per asset, at `at`; returns them. */
  async record(
    uris: readonly string[],
    source: { readonly dagId: string; readonly taskId: string; readonly runId: string },
    at: Date,
    /** One `extra` per URI, in order (what the task's code attached); `{}` each when absent. */
    extras?: ReadonlyArray<Readonly<Record<string, unknown>>>,
  ): Promise<AssetEvent[]> {
    const events = uris.map(
      (uri, index): AssetEvent => ({
        // One recording's events share `at`; the index keeps them in the task's order (ids sort as recorded).
        id: newEventId(at, `${String(index).padStart(4, '0')}${randomBytes(6).toString('hex')}`),
        uri,
        timestamp: at.toISOString(),
        sourceDagId: source.dagId,
        sourceTaskId: source.taskId,
        sourceRunId: source.runId,
        extra: extras?.[index] ?? {},
      }),
    );
    for (const event of events) await this.writeJson(join(this.root, 'assets', 'events', `${event.id}.json`), event);
    await this.prune(at);
    return events;
  }

  /**
   * Removes the events that expired by `now`, except the newest of each asset (kept until a newer one is
   * recorded, as in the cloud: a consumer never misses that an asset was updated). Returns how many it removed.
   */
  async prune(now: Date): Promise<number> {
    const events = await this.events();
    const newest = new Map<string, string>();
    for (const event of events) if ((newest.get(event.uri) ?? '') < event.id) newest.set(event.uri, event.id);
    const nowSeconds = Math.floor(now.getTime() / 1000);
    let removed = 0;
    for (const event of events) {
      if (newest.get(event.uri) === event.id) continue;
      if (assetEventExpiry(event.timestamp, this.retentionDays) > nowSeconds) continue;
      await rm(join(this.root, 'assets', 'events', `${event.id}.json`), { force: true });
      removed++;
    }
    return removed;
  }

  /**
   * Records one event from outside Airstep (an asset watcher, `airstep assets emit`) at `at` (its id: consumers
   * queue by when an event was recorded); `timestamp` is when it happened (default `at`). Returns it.
   */
  async recordExternal(
    uri: string,
    fields: {
      readonly watcher?: string;
      readonly timestamp?: string;
      readonly extra: Readonly<Record<string, unknown>>;
    },
    at: Date,
  ): Promise<AssetEvent> {
    const event: AssetEvent = {
      id: newEventId(at, randomBytes(6).toString('hex')),
      uri,
      timestamp: fields.timestamp ?? at.toISOString(),
      ...(fields.watcher !== undefined ? { watcher: fields.watcher } : {}),
      extra: fields.extra,
    };
    await this.writeJson(join(this.root, 'assets', 'events', `${event.id}.json`), event);
    await this.prune(at);
    return event;
  }

  /** Every recorded event, oldest first (an unreadable file is reported once and skipped). */
  async events(): Promise<AssetEvent[]> {
    const folder = join(this.root, 'assets', 'events');
    const names = (await readdir(folder).catch(() => [] as string[])).filter((name) => name.endsWith('.json')).sort();
    const events: AssetEvent[] = [];
    for (const name of names) {
      const event = await this.readJson(join(folder, name));
      if (isEvent(event)) events.push(event);
      else if (event !== undefined) reportUnreadableStoreFile(join(folder, name), 'not an asset event');
    }
    return events;
  }

  /** The consumer's book; a DAG seen for the first time gets one that queues events from `now` on (saved). */
  async book(dagId: string, now: Date): Promise<ConsumerBook> {
    const found = await this.readJson(this.bookPath(dagId));
    if (isBook(found)) return found;
    const fresh = newConsumerBook(dagId, now);
    await this.saveBook(fresh);
    return fresh;
  }

  async saveBook(book: ConsumerBook): Promise<void> {
    await this.writeJson(this.bookPath(book.dagId), book);
  }

  /** The consumer's book if it has one (read-only: `airstep assets`). */
  async existingBook(dagId: string): Promise<ConsumerBook | undefined> {
    const found = await this.readJson(this.bookPath(dagId));
    return isBook(found) ? found : undefined;
  }

  private bookPath(dagId: string): string {
    return join(this.root, 'assets', 'consumers', `${dagId.replace(/[^A-Za-z0-9_-]/g, '_')}.json`);
  }

  private async writeJson(path: string, value: unknown): Promise<void> {
    await mkdir(join(path, '..'), { recursive: true });
    const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
    await rename(temporary, path);
  }

  private async readJson(path: string): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') reportUnreadableStoreFile(path, unreadableReason(error));
      return undefined;
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      reportUnreadableStoreFile(path, unreadableReason(error));
      return undefined;
    }
  }
}

function isEvent(value: unknown): value is AssetEvent {
  const event = value as Partial<AssetEventInfo & { id: string }> | undefined;
  return (
    typeof event?.id === 'string' &&
    typeof event.uri === 'string' &&
    typeof event.timestamp === 'string' &&
    (typeof event.sourceDagId === 'string' || event.sourceDagId === undefined)
  );
}

function isBook(value: unknown): value is ConsumerBook {
  const book = value as Partial<ConsumerBook> | undefined;
  return typeof book?.dagId === 'string' && typeof book.since === 'string' && Array.isArray(book.consumed);
}
