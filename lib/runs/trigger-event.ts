import type { ClearedRun, RunContext } from '../compiler/worker-contract.ts';
import { type AssetTriggerEvent, assetTriggerEventProblems } from './asset-trigger-event.ts';
import { describeValue } from './describe-value.ts';

export type { AssetTriggerEvent } from './asset-trigger-event.ts';

/**
 * `airstep clear --stack`: run an ended run again as the same run, in a new execution whose context is the
 * ended one's plus the clear's keep list (lib/runs/clear-plan.ts decided it). `previousExecutionArn` is the
 * execution the plan was made from: the trigger refuses when the run has moved on since.
 */
export interface ClearEvent {
  readonly kind: 'clear';
  readonly dagId: string;
  readonly runId: string;
  readonly previousExecutionArn: string;
  /** The ended execution's context (its input's `ctx`), without a `clear`. */
  readonly ctx: RunContext;
  readonly clear: ClearedRun;
}

/**
 * What starts a run: a schedule firing (with EventBridge Scheduler's scheduled time), a person or API, or
 * `airstep backfill --stack` asking for one interval of the schedule (named by its logical date); or what runs
 * an ended run again (`airstep clear --stack`).
 */
export type TriggerEvent =
  | ClearEvent
  | AssetTriggerEvent
  | UnpausedEvent
  | { readonly kind: 'scheduled'; readonly dagId: string; readonly scheduledTime: string }
  | {
      readonly kind: 'manual';
      readonly dagId: string;
      readonly conf?: Record<string, unknown>;
      /** The logical date asked for; default the trigger time. */
      readonly logicalDate?: string;
      /** Start the run even if the DAG is paused (`airstep trigger --force`). */
      readonly force?: boolean;
      /**
       * The run's id (a `triggerDag` step gives one fixed per parent run and task, Airflow's `trigger_run_id`);
       * default `manual__<logical date>`. The execution name derives from it, so a repeated trigger is a duplicate.
       */
      readonly runId?: string;
    }
  | {
      readonly kind: 'backfill';
      readonly dagId: string;
      readonly conf?: Record<string, unknown>;
      /** The logical date (interval start) of one interval of the DAG's schedule. */
      readonly logicalDate: string;
    };

/**
 * `airstep unpause --stack`: the DAG's runs queued while it was paused (a `triggerDag` step's, which Airflow 3
 * creates queued) start, as many as its `maxActiveRuns` places allow; the recorder starts the rest as runs end.
 */
export interface UnpausedEvent {
  readonly kind: 'unpaused';
  readonly dagId: string;
}

/** The events that ask for a new run (every kind but `clear`, `asset` and `unpaused`). */
export type NewRunEvent = Exclude<TriggerEvent, ClearEvent | AssetTriggerEvent | UnpausedEvent>;

/** A context attribute of EventBridge Scheduler (`<aws.scheduler.scheduled-time>`) that was never filled in. */
const SCHEDULER_PLACEHOLDER = /^<aws\.scheduler\.[a-z-]+>$/;

/**
 * A trigger event as it arrives (JSON from a schedule, the CLI or any other caller), checked field by field:
 * the event, or every problem with it. A schedule's `scheduledTime` still holding Scheduler's placeholder is
 * named as such: a scheduler that did not fill in its context attribute (MiniStack 1.5.33 does not).
 */
export function readTriggerEvent(
  raw: unknown,
): { readonly ok: true; readonly event: TriggerEvent } | { readonly ok: false; readonly problems: string[] } {
  if (!isObject(raw)) return { ok: false, problems: [`the event must be a JSON object, got ${describeValue(raw)}`] };
  // An asset event names an asset, not a DAG (asset-trigger-event.ts).
  if (raw.kind === 'asset') {
    const assetProblems = assetTriggerEventProblems(raw);
    return assetProblems.length > 0
      ? { ok: false, problems: assetProblems }
      : { ok: true, event: raw as unknown as AssetTriggerEvent };
  }
  const problems: string[] = [];
  const { kind, dagId } = raw;
  if (typeof dagId !== 'string' || dagId === '')
    problems.push(`dagId must be a non-empty string, got ${describeValue(dagId)}`);
  if (kind === 'scheduled') {
    const { scheduledTime } = raw;
    if (typeof scheduledTime === 'string' && SCHEDULER_PLACEHOLDER.test(scheduledTime)) {
      problems.push(
        `scheduledTime is the unfilled placeholder ${scheduledTime}: the scheduler did not fill in its context attribute`,
      );
    } else if (typeof scheduledTime !== 'string' || Number.isNaN(Date.parse(scheduledTime))) {
      problems.push(`scheduledTime ${describeValue(scheduledTime)} is not an ISO date`);
    }
  } else if (kind === 'manual' || kind === 'backfill') {
    const { conf, logicalDate, force } = raw;
    if (kind === 'manual' && force !== undefined && typeof force !== 'boolean')
      problems.push(`force must be true or false, got ${describeValue(force)}`);
    if (kind === 'manual' && raw.runId !== undefined) problems.push(...runIdProblems(raw.runId));
    if (conf !== undefined && !isObject(conf)) problems.push(`conf must be a JSON object, got ${describeValue(conf)}`);
    // A backfill names its interval; a manual run defaults to the trigger time.
    if (kind === 'backfill' && logicalDate === undefined) problems.push('logicalDate is required for a backfill run');
    else if (logicalDate !== undefined && (typeof logicalDate !== 'string' || Number.isNaN(Date.parse(logicalDate))))
      problems.push(`logicalDate ${describeValue(logicalDate)} is not an ISO date`);
  } else if (kind === 'clear') {
    problems.push(...clearEventProblems(raw));
  } else if (kind !== 'unpaused') {
    problems.push(
      `kind must be 'scheduled', 'manual', 'backfill', 'clear', 'asset' or 'unpaused', got ${describeValue(kind)}`,
    );
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, event: raw as unknown as TriggerEvent };
}

/**
 * Whether the event asks for a manual or backfill run: its caller (`airstep trigger`, `airstep backfill`, an API)
 * waits for the answer, so a refusal is answered rather than queued as a failed event.
 */
export function isManualTrigger(raw: unknown): boolean {
  return (
    isObject(raw) &&
    (raw.kind === 'manual' || raw.kind === 'backfill' || raw.kind === 'clear' || raw.kind === 'unpaused')
  );
}

/** A run id given with a manual trigger: 1-250 printable characters (it is a DynamoDB key and shown as it is). */
function runIdProblems(runId: unknown): string[] {
  const printable = (text: string) =>
    [...text].every((char) => char.charCodeAt(0) >= 0x20 && char.charCodeAt(0) !== 0x7f);
  if (typeof runId !== 'string' || runId.length === 0 || runId.length > 250 || !printable(runId))
    return [`runId must be 1-250 printable characters, got ${describeValue(runId)}`];
  return [];
}

/** What is wrong with a clear event's own fields (the run it names, its context and keep list). */
function clearEventProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const { runId, previousExecutionArn, ctx, clear, dagId } = raw;
  if (typeof runId !== 'string' || runId === '')
    problems.push(`runId must be a non-empty string, got ${describeValue(runId)}`);
  if (typeof previousExecutionArn !== 'string' || previousExecutionArn === '')
    problems.push(`previousExecutionArn must be an execution ARN, got ${describeValue(previousExecutionArn)}`);
  if (!isObject(ctx) || ctx.dagId !== dagId || ctx.runId !== runId || ctx.clear !== undefined)
    problems.push('ctx must be the context of the run named by dagId and runId, without a clear');
  if (
    !isObject(clear) ||
    typeof clear.attempt !== 'number' ||
    !Number.isInteger(clear.attempt) ||
    clear.attempt < 1 ||
    !isObject(clear.kept) ||
    !isObject(clear.priorTries) ||
    (clear.outletsRecorded !== undefined &&
      !(isObject(clear.outletsRecorded) && Object.values(clear.outletsRecorded).every((value) => value === true)))
  )
    problems.push('clear must be { attempt (1, 2, …), kept, priorTries, outletsRecorded? }');
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
