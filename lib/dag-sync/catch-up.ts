import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DagRecord, writeDagRecord } from '../dynamo/dag-record.ts';
import { type CatchupMark, planCatchup } from './catchup-runs.ts';
import { type RunTrigger, scheduledFire } from './trigger-client.ts';

/** What a sync handed to the trigger for one DAG: how many fires got each answer, and whether more are owed. */
export interface CatchupOutcome {
  readonly dagId: string;
  /** Answers by outcome: `{ started: 2, queued: 33 }`. */
  readonly answers: Readonly<Record<string, number>>;
  /** The first and last logical dates handed over. */
  readonly logicalDates?: readonly [string, string];
  /** More intervals were owed than a sync hands over: the next sync of the file goes on. */
  readonly capped: boolean;
}

/** Intervals one sync hands over per DAG: at ~0.1 s an Invoke, well within dag-sync's 300 s. */
export const CATCHUP_LIMIT_PER_SYNC = 500;

/**
 * Makes `record` the DAG's live record and hands the trigger the scheduled runs it owes (`planCatchup`), oldest
 * first, one after another. The mark of what is owed is recorded before the first fire and the mark of what was
 * handed over after the last: a sync that dies midway leaves the fires owed, and its redelivered event sends them
 * again (the trigger answers a run that exists as a duplicate). `previous` is the record before this sync.
 */
export async function catchUp(
  record: DagRecord,
  previous: DagRecord | undefined,
  deps: {
    readonly dynamo: DynamoDBClient;
    readonly table: string;
    readonly trigger: RunTrigger;
    readonly now: Date;
    readonly limit?: number;
  },
): Promise<CatchupOutcome | undefined> {
  const plan = planCatchup(
    record.schedule,
    previous !== undefined
      ? { ...(previous.catchup !== undefined ? { mark: previous.catchup } : {}), disabled: previous.disabled }
      : undefined,
    deps.now,
    deps.limit ?? CATCHUP_LIMIT_PER_SYNC,
  );
  // `record` is the stored one when it is `previous` (the same content synced again).
  if (record !== previous || !sameMark(record.catchup, plan.owed)) {
    await writeDagRecord(deps.dynamo, deps.table, { ...record, catchup: plan.owed });
  }
  if (plan.intervals.length === 0 && sameMark(plan.owed, plan.done)) return undefined;
  const answers: Record<string, number> = {};
  for (const interval of plan.intervals) {
    const { outcome } = await deps.trigger(scheduledFire(record.dagId, interval.runAfter));
    answers[outcome] = (answers[outcome] ?? 0) + 1;
  }
  await writeDagRecord(deps.dynamo, deps.table, { ...record, catchup: plan.done });
  if (plan.intervals.length === 0) return undefined;
  return {
    dagId: record.dagId,
    answers,
    logicalDates: [plan.intervals[0]!.logicalDate, plan.intervals.at(-1)!.logicalDate],
    capped: plan.capped,
  };
}

function sameMark(a: CatchupMark | undefined, b: CatchupMark | undefined): boolean {
  const canonical = (mark: CatchupMark | undefined) =>
    mark === undefined ? '' : JSON.stringify(Object.entries(mark).sort(([x], [y]) => (x < y ? -1 : 1)));
  return canonical(a) === canonical(b);
}
