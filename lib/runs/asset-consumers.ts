import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { assetDecision, conditionUris } from '../assets/asset-condition.ts';
import { consume, newConsumerBook, queuedEvents } from '../assets/asset-queue.ts';
import { DEFAULT_ASSET_EVENT_RETENTION_DAYS } from '../compiler/asset-event-retention.ts';
import { initialPayload } from '../compiler/worker-contract.ts';
import { indexedConsumers } from '../dynamo/asset-consumer-index.ts';
import { ensureConsumerIndex } from '../dynamo/asset-consumer-index-upgrade.ts';
import { type DagRecord, readDagRecord } from '../dynamo/dag-record.ts';
import { withLease } from '../dynamo/item-lease.ts';
import { AirstepError } from '../errors/airstep-error.ts';
import { resolveParams } from '../runtime/params.ts';
import { assetRunContext } from '../runtime/run-context.ts';
import { admissionLease } from './admission-lease.ts';
import {
  ASSET_LEASE_VERSION,
  assetEventsSince,
  type PendingAssetRun,
  readBook,
  recordAssetEvent,
  type StoredBook,
  writeBook,
} from './asset-event-store.ts';
import type { AssetTriggerEvent } from './asset-trigger-event.ts';
import type { DeadlineScheduling } from './deadline-schedule.ts';
import { RunStore } from './run-store.ts';
import { armRunDeadline, startOrQueue, type TriggerResult, type TriggerTables } from './trigger-run.ts';

/** What an asset event did for one DAG scheduled on its asset. */
export type AssetConsumerOutcome =
  | { readonly dagId: string; readonly outcome: 'waiting'; readonly waitingFor: readonly string[] }
  /** Paused: the event is not queued for it (Airflow 3 queues asset events only for DAGs that are not paused). */
  | { readonly dagId: string; readonly outcome: 'paused' }
  /** Its condition was met: the run it started or queued (or found started), with the events it consumed. */
  | { readonly dagId: string; readonly outcome: 'run'; readonly consumed: number; readonly run: TriggerResult };

/** The trigger's answer to an asset event. */
export interface AssetEventResult {
  readonly outcome: 'asset';
  readonly uri: string;
  readonly eventId: string;
  /** False for a redelivered event (recorded before). */
  readonly recorded: boolean;
  readonly consumers: readonly AssetConsumerOutcome[];
}

/** A consumer's book is being worked on by another trigger for longer than the wait: Lambda retries the event. */
export class AssetConsumerBusyError extends AirstepError {
  override readonly name = 'AssetConsumerBusyError';
  constructor(readonly dagId: string) {
    super(`another trigger is starting an asset-triggered run of ${dagId}; try again`, { code: 'ASSET_CONSUMER_BUSY' });
  }
}

interface Clients {
  readonly dynamo: DynamoDBClient;
  readonly sfn: SFNClient;
  readonly deadlines?: DeadlineScheduling;
  /** Days recorded events are kept (lib/compiler/asset-event-retention.ts). @default 90 */
  readonly assetEventRetentionDays?: number;
}

/**
 * An asset event reached the trigger: it is recorded (once per `eventId`), then every live DAG whose asset
 * condition names its asset is served — its queued events (those of its assets since it started consuming that it
 * has not consumed) are evaluated with the same decision the local engine makes (lib/assets/), and when the
 * condition holds an `asset_triggered` run starts with them as `triggeringAssetEvents` and consumes them.
 *
 * Safe under concurrency and redelivery: a consumer is served under a lease on its book, so two events arriving
 * together see each other's writes one after the other (an `allOf(a, b)` gets one run); the run is claimed in the
 * book (events consumed, run pending) before it is started and cleared after, and a claimed run still pending
 * is started first by whoever serves the consumer next (a crash between the two starts it later, never twice:
 * its run id, and so its execution name, is fixed by the claim). A redelivered event is served again too, which
 * only finishes what the crashed delivery left.
 */
export async function assetEventArrived(
  event: AssetTriggerEvent,
  tables: TriggerTables,
  now: Date,
  clients: Clients,
): Promise<AssetEventResult> {
  const { dynamo } = clients;
  const retention = clients.assetEventRetentionDays ?? DEFAULT_ASSET_EVENT_RETENTION_DAYS;
  const { event: stored, recorded } = await recordAssetEvent(dynamo, tables.runs, event, now, retention);
  // A stack upgraded from before the index has consumers no write indexed: built once, on the first event.
  await ensureConsumerIndex(dynamo, tables.dags, now);
  // The DAGs indexed as its consumers (one Query), each served only if its live record still names the asset.
  const indexed = await indexedConsumers(dynamo, tables.dags, stored.uri);
  const consumers = (await Promise.all(indexed.map((dagId) => readDagRecord(dynamo, tables.dags, dagId)))).filter(
    (dag): dag is DagRecord =>
      dag !== undefined && !dag.disabled && dag.assets !== undefined && conditionUris(dag.assets).has(stored.uri),
  );
  const outcomes: AssetConsumerOutcome[] = [];
  for (const dag of consumers) outcomes.push(await serveConsumer(dag, tables, now, clients));
  return { outcome: 'asset', uri: stored.uri, eventId: stored.eventId, recorded, consumers: outcomes };
}

async function serveConsumer(
  dag: DagRecord,
  tables: TriggerTables,
  now: Date,
  clients: Clients,
): Promise<AssetConsumerOutcome> {
  const { dynamo } = clients;
  const lease = {
    dynamo,
    table: tables.dags,
    key: { dagId: { S: dag.dagId }, version: { S: ASSET_LEASE_VERSION } },
    holder: randomUUID(),
    // The trigger Lambda's timeout: a holder that died frees it then.
    seconds: 30,
    waitMs: 10_000,
    busy: () => new AssetConsumerBusyError(dag.dagId),
  };
  return withLease(lease, async () => {
    const since = dag.assetsSince ?? dag.updatedAt;
    let { stored, rev } = await readBook(dynamo, tables.dags, dag.dagId);
    // A DAG that stopped consuming and started again queues from its new start only.
    if (stored === undefined || stored.assetsSince !== since)
      stored = { book: newConsumerBook(dag.dagId, new Date(since)), assetsSince: since };
    let finished: { run: TriggerResult; consumed: number } | undefined;
    if (stored.pending !== undefined) {
      // A run claimed by a delivery that stopped before it saw the run started.
      finished = {
        run: await startAssetRun(dag, stored.pending, tables, now, clients),
        consumed: countEvents(stored.pending),
      };
      ({ stored, rev } = await save(dag, { ...stored, pending: undefined }, rev, tables, clients));
    }
    const condition = dag.assets!;
    const events = (
      await Promise.all(
        [...conditionUris(condition)].map((uri) => assetEventsSince(dynamo, tables.runs, uri, stored!.book.since)),
      )
    ).flat();
    const queued = queuedEvents(stored.book, events);
    if (dag.pausedAt !== undefined) {
      // Airflow 3 queues no event for a paused DAG: what arrives meanwhile never triggers it.
      if (queued.length > 0) await save(dag, { ...stored, book: consume(stored.book, queued) }, rev, tables, clients);
      return { dagId: dag.dagId, outcome: 'paused' };
    }
    const decision = assetDecision(condition, queued);
    if (!decision.due) {
      if (finished !== undefined) return { dagId: dag.dagId, outcome: 'run', ...finished };
      return { dagId: dag.dagId, outcome: 'waiting', waitingFor: decision.waitingFor };
    }
    const last = stored.lastRunAt !== undefined ? Date.parse(stored.lastRunAt) : 0;
    const at = new Date(Math.max(now.getTime(), last + 1)).toISOString();
    const pending: PendingAssetRun = { at, triggering: decision.triggering };
    ({ stored, rev } = await save(
      dag,
      { ...stored, book: consume(stored.book, decision.consumed), pending, lastRunAt: at },
      rev,
      tables,
      clients,
    ));
    const run = await startAssetRun(dag, pending, tables, now, clients);
    await save(dag, { ...stored, pending: undefined }, rev, tables, clients);
    return { dagId: dag.dagId, outcome: 'run', consumed: decision.consumed.length, run };
  });
}

function countEvents(pending: PendingAssetRun | undefined): number {
  return Object.values(pending?.triggering ?? {}).reduce((sum, events) => sum + events.length, 0);
}

/** Writes the book at `rev`; another writer past the lease (it outlived it) is an error Lambda retries. */
async function save(
  dag: DagRecord,
  stored: StoredBook,
  rev: number,
  tables: TriggerTables,
  clients: Clients,
): Promise<{ stored: StoredBook; rev: number }> {
  const { pending, ...rest } = stored;
  const clean: StoredBook = pending !== undefined ? { ...rest, pending } : rest;
  const next = await writeBook(clients.dynamo, tables.dags, dag.dagId, clean, rev);
  if (next === undefined) throw new AssetConsumerBusyError(dag.dagId);
  return { stored: clean, rev: next };
}

/**
 * Starts (or queues, at `maxActiveRuns`) the claimed run as any other run is admitted: its run id comes from its
 * trigger time, so starting it again is a duplicate, never a second run.
 */
async function startAssetRun(
  dag: DagRecord,
  pending: PendingAssetRun,
  tables: TriggerTables,
  now: Date,
  clients: Clients,
): Promise<TriggerResult> {
  const params = resolveParams(dag.params, {});
  if (!params.ok)
    return {
      outcome: 'refused',
      code: 'INVALID_CONF',
      problems: params.problems.map((p) => `dag ${dag.dagId} › ${p.field}: ${p.message}`),
    };
  const ctx = assetRunContext({
    dagId: dag.dagId,
    timezone: dag.schedule.timezone,
    at: new Date(pending.at),
    params: params.params,
    triggeringAssetEvents: pending.triggering,
  });
  const run = {
    dagId: dag.dagId,
    runId: ctx.runId,
    runType: 'asset_triggered' as const,
    logicalDate: ctx.logicalDate,
    dagVersion: dag.dagVersion,
  };
  const lease = admissionLease(clients.dynamo, tables.dags, dag.dagId, {
    holder: randomUUID(),
    seconds: 30,
    waitMs: 10_000,
  });
  return withLease(lease, () =>
    startOrQueue({
      dag,
      run,
      input: JSON.stringify(initialPayload(ctx)),
      runs: new RunStore(clients.dynamo, tables),
      sfn: clients.sfn,
      now,
      arm: () => armRunDeadline(dag, ctx, now, clients.deadlines),
    }),
  );
}
