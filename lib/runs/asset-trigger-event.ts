import { describeValue } from './describe-value.ts';

/**
 * An asset event as it reaches the trigger, whatever produced it: a task's outlet state (its Detail, through the
 * stack's asset bus and rule) or a watcher rule. The shared contract of the two producers; the trigger records it
 * once per `eventId` and starts the runs of the DAGs scheduled on the asset.
 */
export interface AssetTriggerEvent {
  readonly kind: 'asset';
  /** The updated asset's URI (as `asset(uri)` normalised it). */
  readonly uri: string;
  /** Unique per event: a redelivered event is recorded once. */
  readonly eventId: string;
  /** ISO UTC; default: when the trigger received it. */
  readonly timestamp?: string;
  /** JSON facts about the event (`{}` when absent). */
  readonly extra?: Record<string, unknown>;
  readonly sourceDagId?: string;
  readonly sourceTaskId?: string;
  readonly sourceRunId?: string;
  readonly sourceMapIndex?: number;
  /** From a watcher rule: the watcher's name. */
  readonly watcher?: string;
}

/** What is wrong with an `asset` event, field by field (empty: it is one). */
export function assetTriggerEventProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const { uri, eventId, timestamp, extra, sourceMapIndex } = raw;
  if (typeof uri !== 'string' || uri === '') problems.push(`uri must be a non-empty string, got ${describeValue(uri)}`);
  // The id is a DynamoDB key part: bounded, printable.
  if (typeof eventId !== 'string' || eventId === '' || eventId.length > 1024)
    problems.push(`eventId must be a string of 1-1024 characters, got ${describeValue(eventId)}`);
  if (timestamp !== undefined && (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))))
    problems.push(`timestamp ${describeValue(timestamp)} is not an ISO date`);
  if (extra !== undefined && (typeof extra !== 'object' || extra === null || Array.isArray(extra)))
    problems.push(`extra must be a JSON object, got ${describeValue(extra)}`);
  for (const field of ['sourceDagId', 'sourceTaskId', 'sourceRunId', 'watcher'] as const) {
    const value = raw[field];
    if (value !== undefined && typeof value !== 'string')
      problems.push(`${field} must be a string, got ${describeValue(value)}`);
  }
  if (sourceMapIndex !== undefined && !(Number.isInteger(sourceMapIndex) && (sourceMapIndex as number) >= -1))
    problems.push(`sourceMapIndex must be an integer (-1 or more), got ${describeValue(sourceMapIndex)}`);
  return problems;
}
