import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { AssetEvent } from '../assets/asset-event.ts';
import type { AssetConditionIR } from '../compiler/asset-ir.ts';
import { type WatchedAsset, watchedAssets } from '../compiler/watched-assets.ts';
import { AirstepError } from '../errors/airstep-error.ts';
import type { LocalAssetEvents } from './local-asset-events.ts';
import { reportUnreadableStoreFile, unreadableReason } from './unreadable-store-file.ts';

/** How often `airstep dev` lists watched S3 prefixes, unless AIRSTEP_WATCH_POLL_MS says otherwise. */
export const DEFAULT_WATCH_POLL_MS = 10_000;

/** The poll interval from the environment (AIRSTEP_WATCH_POLL_MS, milliseconds, at least 100). */
export function watchPollMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.AIRSTEP_WATCH_POLL_MS);
  return Number.isFinite(value) && value >= 100 ? value : DEFAULT_WATCH_POLL_MS;
}

/** One listed object: what tells a new or rewritten object apart. */
export interface ListedObject {
  readonly key: string;
  readonly etag: string;
  readonly size: number;
}

/** The objects of `now` that are new or changed (another ETag) since `seen`. Pure. */
export function changedObjects(seen: Readonly<Record<string, string>>, now: readonly ListedObject[]): ListedObject[] {
  return now.filter((object) => seen[object.key] !== object.etag);
}

/**
 * `airstep dev`'s side of `s3ObjectCreated()` watchers: S3 sends no events to a laptop, so each pass lists every
 * watched `s3://bucket/prefix` (ListObjectsV2, with the AWS configuration the local engine uses: AWS_ENDPOINT_URL
 * for an emulator) and records an asset event for each new key or changed ETag, through the same local store as
 * every other asset event. What was seen is kept under `.airstep/assets/watchers/` (one file per prefix), so a
 * later `dev` fires for what arrived while none was watching, as a queue of S3's events would have kept it; what a
 * prefix holds when it is first ever watched is the baseline and fires nothing.
 */
export class S3WatchPoll {
  private readonly seen = new Map<string, Record<string, string>>();
  private client: S3Client | undefined;

  constructor(
    private readonly store: LocalAssetEvents,
    private readonly root: string,
    /** The DAGs scheduled on assets, as `dev` has them loaded now. */
    private readonly consumers: () => ReadonlyArray<{ readonly dagId: string; readonly condition: AssetConditionIR }>,
  ) {}

  /** One pass: lists each watched prefix once; returns the events it recorded. */
  async pass(now: Date): Promise<AssetEvent[]> {
    const watched = watchedAssets(this.consumers().map((c) => ({ dagId: c.dagId, assets: c.condition }))).filter(
      (entry) => entry.watcher.kind === 's3ObjectCreated',
    );
    const byLocation = new Map<string, WatchedAsset[]>();
    for (const entry of watched) {
      if (entry.watcher.kind !== 's3ObjectCreated') continue;
      const key = JSON.stringify([entry.watcher.bucket, entry.watcher.prefix]);
      byLocation.set(key, [...(byLocation.get(key) ?? []), entry]);
    }
    const recorded: AssetEvent[] = [];
    for (const [location, entries] of byLocation) {
      const [bucket, prefix] = JSON.parse(location) as [string, string];
      const listed = await this.list(bucket, prefix);
      const before = this.seen.get(location) ?? (await this.saved(bucket, prefix));
      const current = Object.fromEntries(listed.map((object) => [object.key, object.etag]));
      // Events first, then the listing that says they were seen: a dev stopped or failing in between fires them
      // again at its next pass or start (at least once, as S3's own notifications), never loses them.
      if (before !== undefined)
        for (const object of changedObjects(before, listed))
          for (const entry of entries)
            recorded.push(
              await this.store.recordExternal(
                entry.uri,
                {
                  watcher: entry.watcher.name,
                  extra: { bucket, key: object.key, size: object.size, etag: object.etag },
                },
                now,
              ),
            );
      if (before === undefined || !sameListing(before, current)) await this.save(bucket, prefix, current);
      this.seen.set(location, current);
    }
    return recorded;
  }

  private async list(bucket: string, prefix: string): Promise<ListedObject[]> {
    this.client ??= new S3Client({
      region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      ...(process.env.AWS_ENDPOINT_URL !== undefined ? { forcePathStyle: true } : {}),
    });
    const objects: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ...(token !== undefined ? { ContinuationToken: token } : {}),
        }),
      );
      // S3 quotes ETags; the S3 event's etag is bare, and so is extra's here.
      for (const object of page.Contents ?? [])
        objects.push({ key: object.Key!, etag: (object.ETag ?? '').replace(/"/g, ''), size: object.Size ?? 0 });
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return objects;
  }

  /** What an earlier `dev` last saw under the prefix; none when it was never watched or its file is unreadable. */
  private async saved(bucket: string, prefix: string): Promise<Record<string, string> | undefined> {
    const path = this.savedPath(bucket, prefix);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      reportUnreadableStoreFile(path, unreadableReason(error));
      return undefined;
    }
    let parsed: { bucket?: unknown; prefix?: unknown; objects?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch (error) {
      // Unreadable: told once, and this pass becomes the baseline (nothing fires twice; what came meanwhile is missed).
      reportUnreadableStoreFile(path, unreadableReason(error));
      return undefined;
    }
    const objects = parsed?.objects;
    if (
      parsed?.bucket !== bucket ||
      parsed.prefix !== prefix ||
      typeof objects !== 'object' ||
      objects === null ||
      Array.isArray(objects) ||
      Object.values(objects).some((etag) => typeof etag !== 'string')
    ) {
      reportUnreadableStoreFile(path, `not a listing of s3://${bucket}/${prefix}`);
      return undefined;
    }
    return objects as Record<string, string>;
  }

  private savedPath(bucket: string, prefix: string): string {
    const name = createHash('sha256').update(`${bucket}/${prefix}`).digest('hex').slice(0, 16);
    return join(this.root, 'assets', 'watchers', `s3-${name}.json`);
  }

  private async save(bucket: string, prefix: string, objects: Record<string, string>): Promise<void> {
    const path = this.savedPath(bucket, prefix);
    await mkdir(join(path, '..'), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ bucket, prefix, objects }, null, 2)}\n`);
    await rename(temporary, path);
  }
}

function sameListing(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(b);
  return Object.keys(a).length === keys.length && keys.every((key) => a[key] === b[key]);
}

/**
 * Runs passes every `ms` (never two at once) from `begin` to `stop`. A failing listing (no such bucket, no AWS
 * configured) is told once per distinct message, not every pass, and the next pass tries again.
 */
export class S3WatchPollLoop {
  private timer: NodeJS.Timeout | undefined;
  private passing: Promise<void> | undefined;
  private readonly told = new Set<string>();

  constructor(private readonly poll: S3WatchPoll) {}

  begin(ms: number, recorded: (count: number) => void, failed: (error: Error) => void): void {
    const pass = () => {
      this.passing ??= this.poll
        .pass(new Date())
        .then((events) => recorded(events.length))
        .catch((error: Error) => {
          if (this.told.has(error.message)) return;
          this.told.add(error.message);
          failed(new S3WatchError(`watching S3 for asset watchers: ${error.message}`, error));
        })
        .finally(() => {
          this.passing = undefined;
        });
    };
    pass();
    this.timer = setInterval(pass, ms);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.passing;
  }
}

/** Listing a watched S3 prefix failed (told by `airstep dev`, which keeps trying). */
export class S3WatchError extends AirstepError {
  override readonly name = 'S3WatchError';

  constructor(message: string, cause: unknown) {
    super(message, { code: 'S3_WATCH', cause });
  }
}
