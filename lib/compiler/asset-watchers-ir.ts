/**
 * Asset watchers in the IR: what starts an asset event from outside Airstep (an S3 object created under the asset's
 * prefix, an EventBridge event matching a pattern), read from the SDK's values by their fields and checked, every
 * problem with its field. Pure.
 */

import { eventPatternProblems } from './event-pattern-check.ts';

/** New objects under `s3://bucket/prefix` (the asset's URI). */
export interface S3ObjectCreatedWatcherIR {
  readonly kind: 's3ObjectCreated';
  readonly name: string;
  readonly bucket: string;
  /** The key prefix ('' for the whole bucket). */
  readonly prefix: string;
}

/** EventBridge events of the default bus matching `pattern`. */
export interface EventPatternWatcherIR {
  readonly kind: 'eventPattern';
  readonly name: string;
  readonly pattern: Readonly<Record<string, unknown>>;
}

export type AssetWatcherIR = S3ObjectCreatedWatcherIR | EventPatternWatcherIR;

/** A watcher's name names its deployed rule: EventBridge's rule-name characters, kept short. */
const WATCHER_NAME = /^[A-Za-z0-9._-]{1,64}$/;
/** S3's bucket naming rules (the general-purpose ones). */
const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

type Problems = Array<{ field: string; message: string }>;

/** Reads an asset's `watchers` option (undefined when it has none); problems go to `problems`. */
export function watchersOf(
  uri: string,
  value: unknown,
  field: string,
  problems: Problems,
): AssetWatcherIR[] | undefined {
  if (value === undefined) return undefined;
  const at = `${field}.watchers`;
  if (!Array.isArray(value) || value.length === 0) {
    problems.push({ field: at, message: 'must be a non-empty list of watchers (s3ObjectCreated(), eventPattern(…))' });
    return undefined;
  }
  // The URI goes into each rule's input template, where <…> would be read as a placeholder.
  if (/[<>]/.test(uri))
    problems.push({
      field: at,
      message: `a watched asset's URI cannot contain < or > (EventBridge input templates read them as placeholders)`,
    });
  const names = new Set<string>();
  const watchers: AssetWatcherIR[] = [];
  value.forEach((item, index) => {
    const itemField = `${at}[${index}]`;
    if (!isObject(item) || (item.kind !== 's3ObjectCreated' && item.kind !== 'eventPattern')) {
      problems.push({
        field: itemField,
        message: 'must be a watcher: s3ObjectCreated() or eventPattern(name, pattern)',
      });
      return;
    }
    const name = item.name;
    if (typeof name !== 'string' || !WATCHER_NAME.test(name)) {
      problems.push({
        field: `${itemField}.name`,
        message: `must be 1 to 64 letters, digits, '.', '_' or '-', got ${JSON.stringify(name) ?? String(name)}`,
      });
      return;
    }
    if (names.has(name)) {
      problems.push({ field: `${itemField}.name`, message: `another watcher of this asset is named '${name}'` });
      return;
    }
    names.add(name);
    if (item.kind === 's3ObjectCreated') {
      const location = s3Location(uri);
      if (typeof location === 'string') problems.push({ field: itemField, message: location });
      else watchers.push({ kind: 's3ObjectCreated', name, ...location });
      return;
    }
    const patternProblems = eventPatternProblems(item.pattern, `${itemField}.pattern`);
    if (patternProblems.length > 0) problems.push(...patternProblems);
    else watchers.push({ kind: 'eventPattern', name, pattern: item.pattern as Record<string, unknown> });
  });
  return watchers.length === value.length ? watchers.sort((a, b) => (a.name < b.name ? -1 : 1)) : undefined;
}

/** The bucket and key prefix of an `s3://bucket/prefix` URI, or why it is none. */
export function s3Location(uri: string): { bucket: string; prefix: string } | string {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/s.exec(uri);
  if (match === null)
    return `s3ObjectCreated() watches an s3://bucket/prefix asset; '${uri}' is not one (use eventPattern for other sources)`;
  const bucket = match[1]!;
  if (!BUCKET_NAME.test(bucket))
    return `'${bucket}' is not an S3 bucket name (3 to 63 lower-case letters, digits, '.' and '-')`;
  return { bucket, prefix: match[2] ?? '' };
}

/** The EventBridge pattern a watcher's rule matches. */
export function watcherEventPattern(watcher: AssetWatcherIR): Readonly<Record<string, unknown>> {
  if (watcher.kind === 'eventPattern') return watcher.pattern;
  return {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: {
      bucket: { name: [watcher.bucket] },
      ...(watcher.prefix !== '' ? { object: { key: [{ prefix: watcher.prefix }] } } : {}),
    },
  };
}

/**
 * Problems of a DAG's watched assets taken together: an asset named twice with different watchers would have one
 * set silently ignored.
 */
export function watchedAssetConflicts(
  assets: ReadonlyArray<{ readonly uri: string; readonly watchers?: readonly AssetWatcherIR[] }>,
  field: string,
): Problems {
  const seen = new Map<string, string>();
  const problems: Problems = [];
  for (const asset of assets) {
    const watchers = JSON.stringify(asset.watchers ?? []);
    const before = seen.get(asset.uri);
    if (before === undefined) seen.set(asset.uri, watchers);
    else if (before !== watchers)
      problems.push({
        field,
        message: `asset '${asset.uri}' is named with different watchers: declare it once (const a = asset(…)) and reuse it`,
      });
  }
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
