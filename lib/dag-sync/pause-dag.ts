import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { markPaused, markUnpaused } from '../dynamo/dag-pause.ts';
import { type DagRecord, readDagRecord } from '../dynamo/dag-record.ts';
import { AirstepError } from '../errors/airstep-error.ts';
import { type CatchupOutcome, catchUp } from './catch-up.ts';
import { pausedCatchup } from './catchup-runs.ts';
import { setSchedulesState } from './dag-schedules.ts';
import type { ResumeQueued, RunTrigger } from './trigger-client.ts';

/** What pausing or unpausing a deployed DAG uses: the dags table and the DAG schedules' group. */
export interface PauseDeps {
  readonly dynamo: DynamoDBClient;
  readonly dagsTable: string;
  readonly scheduler: SchedulerClient;
  readonly scheduleGroup: string;
  readonly now?: () => Date;
}

export type PauseResult =
  | { readonly outcome: 'unknown-dag'; readonly dagId: string }
  | {
      readonly outcome: 'paused' | 'already-paused';
      readonly dagId: string;
      readonly pausedAt: string;
      /** The schedules this call set to DISABLED (none when they already were). */
      readonly schedules: string[];
    };

export type UnpauseResult =
  | { readonly outcome: 'unknown-dag'; readonly dagId: string }
  | {
      readonly outcome: 'unpaused' | 'not-paused';
      readonly dagId: string;
      /** The schedules this call set to ENABLED (none for a DAG whose file was deleted: they stay off). */
      readonly schedules: string[];
      /** Runs handed to the trigger for the intervals missed while paused (see unpauseDeployedDag). */
      readonly catchup?: CatchupOutcome[];
      /** Runs queued while paused (triggerDag steps' runs) that the unpause started. */
      readonly resumed?: readonly string[];
      /** The DAG's file is deleted: it stays disabled until the file is uploaded again. */
      readonly disabled: boolean;
    };

/** A dag-sync writing the record at the same time makes the conditional pause write retry; this often at most. */
const PAUSE_ATTEMPTS = 5;

/**
 * `airstep pause <dag> --stack`: marks the DAG record paused, then sets its schedules DISABLED (in that order:
 * a dag-sync that set them meanwhile reads the mark after its own write and follows it, see dag-sync.ts). The
 * trigger skips any fire still on its way (it reads the mark). The catchup mark moves to now when catchup was
 * complete, as when a file is deleted, so unpausing owes exactly the intervals missed while paused. Pausing a
 * paused DAG changes nothing but schedules someone enabled by hand.
 */
export async function pauseDeployedDag(dagId: string, deps: PauseDeps): Promise<PauseResult> {
  const now = deps.now?.() ?? new Date();
  for (let attempt = 1; ; attempt++) {
    const record = await readDagRecord(deps.dynamo, deps.dagsTable, dagId);
    if (record === undefined) return { outcome: 'unknown-dag', dagId };
    if (record.pausedAt !== undefined) {
      const schedules = await setSchedulesState(dagId, 'DISABLED', scheduleDeps(deps));
      return { outcome: 'already-paused', dagId, pausedAt: record.pausedAt, schedules };
    }
    const catchup = pausedCatchup(record.schedule, record.catchup, now);
    const kept: DagRecord = { ...record, ...(catchup !== undefined ? { catchup } : {}) };
    if (await markPaused(deps.dynamo, deps.dagsTable, record, kept, now)) {
      const schedules = await setSchedulesState(dagId, 'DISABLED', scheduleDeps(deps));
      return { outcome: 'paused', dagId, pausedAt: now.toISOString(), schedules };
    }
    if (attempt >= PAUSE_ATTEMPTS) throw new PauseContendedError(dagId, attempt);
  }
}

/**
 * `airstep unpause <dag> --stack`: clears the mark, sets the schedules ENABLED (not for a DAG whose file was
 * deleted) and, with a trigger, hands it the scheduled runs missed while paused, as Airflow's scheduler creates
 * them on unpause: with `catchup`, every interval that ended while paused, oldest first; without, the latest
 * only (lib/dag-sync/catchup-runs.ts, the rules dag-sync follows when a deleted file comes back). Several
 * rounds of at most `limit` each, until none is owed. Before them, `resumeQueued` starts the runs queued while it
 * was paused (Airflow 3 starts a paused DAG's queued runs once it is unpaused).
 */
export async function unpauseDeployedDag(
  dagId: string,
  deps: PauseDeps & {
    readonly trigger?: RunTrigger;
    readonly limit?: number;
    /** Starts the runs queued while the DAG was paused (the trigger, asked with an `unpaused` event). */
    readonly resumeQueued?: ResumeQueued;
  },
): Promise<UnpauseResult> {
  const record = await readDagRecord(deps.dynamo, deps.dagsTable, dagId);
  if (record === undefined || !(await markUnpaused(deps.dynamo, deps.dagsTable, dagId))) {
    return { outcome: 'unknown-dag', dagId };
  }
  const outcome = record.pausedAt !== undefined ? 'unpaused' : 'not-paused';
  if (record.disabled) return { outcome, dagId, schedules: [], disabled: true };
  const schedules = await setSchedulesState(dagId, 'ENABLED', scheduleDeps(deps));
  // The runs asked for while paused were created first: they take the free places before the missed intervals.
  const resumed = outcome === 'unpaused' ? await deps.resumeQueued?.(dagId) : undefined;
  const started = resumed !== undefined && resumed.length > 0 ? { resumed } : {};
  if (outcome === 'not-paused' || deps.trigger === undefined)
    return { outcome, dagId, schedules, disabled: false, ...started };
  const caughtUp: CatchupOutcome[] = [];
  // The first round counts from the mark the pause left; later ones go on from the mark the last one wrote.
  let previous: DagRecord = { ...record, disabled: true };
  for (;;) {
    const current = (await readDagRecord(deps.dynamo, deps.dagsTable, dagId)) ?? record;
    const round = await catchUp(current, previous, {
      dynamo: deps.dynamo,
      table: deps.dagsTable,
      trigger: deps.trigger,
      now: deps.now?.() ?? new Date(),
      ...(deps.limit !== undefined ? { limit: deps.limit } : {}),
    });
    if (round !== undefined) caughtUp.push(round);
    if (round?.capped !== true) break;
    previous = (await readDagRecord(deps.dynamo, deps.dagsTable, dagId)) ?? current;
  }
  return {
    outcome,
    dagId,
    schedules,
    disabled: false,
    ...(caughtUp.length > 0 ? { catchup: caughtUp } : {}),
    ...started,
  };
}

function scheduleDeps(deps: PauseDeps) {
  return {
    scheduler: deps.scheduler,
    schedules: { group: deps.scheduleGroup },
    ...(deps.now !== undefined ? { now: deps.now } : {}),
  };
}

/** Another writer changed the DAG record on every attempt to pause it. */
export class PauseContendedError extends AirstepError {
  override readonly name = 'PauseContendedError';
  constructor(
    readonly dagId: string,
    attempts: number,
  ) {
    super(`could not pause ${dagId}: its record changed under ${attempts} attempts (a sync in progress?); try again`, {
      code: 'PAUSE_CONTENDED',
    });
  }
}
