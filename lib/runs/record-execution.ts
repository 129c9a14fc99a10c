import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { type ExecutionStatus, RUN_STATE } from '../compiler/run-states.ts';
import type { RunContext } from '../compiler/worker-contract.ts';
import { type DagRecord, readDagRecord } from '../dynamo/dag-record.ts';
import { withLease } from '../dynamo/item-lease.ts';
import type { PoolSlots } from '../worker/pool-slots.ts';
import { admissionLease } from './admission-lease.ts';
import {
  type CallbackDispatch,
  dispatchDagCallback,
  readManifest,
  sendCallback,
  timedOutTries,
  timedOutTryCallbacks,
} from './callback-dispatch.ts';
import { withChildOwnRecords } from './child-failure-records.ts';
import type { DeadlineScheduling } from './deadline-schedule.ts';
import { executionName } from './execution-name.ts';
import { finalTaskRecord } from './final-task-record.ts';
import { mappedTaskInstances } from './mapped-task-instances.ts';
import { queuedRunsToStart } from './run-admission.ts';
import { settleRunDeadline } from './run-deadline.ts';
import { childExecutionArns, isRunPart } from './run-parts.ts';
import { alertText, lastPayload, type TaskRecordSummary, taskRecords, withMappedInstances } from './run-records.ts';
import { RunStore } from './run-store.ts';

export type { TaskRecordSummary } from './run-records.ts';

/** The `detail` of an EventBridge "Step Functions Execution Status Change" event. */
export interface ExecutionStatusChange {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly startDate: number;
  readonly stopDate?: number | null;
  readonly input?: string | null;
  readonly output?: string | null;
  readonly error?: string | null;
  readonly cause?: string | null;
}

export interface RecorderDeps {
  readonly dynamo: DynamoDBClient;
  readonly tables: {
    readonly dags: string;
    readonly runs: string;
    readonly taskInstances: string;
    readonly queuedRuns: string;
  };
  readonly alertsTopicArn: string;
  readonly sfn: SFNClient;
  readonly sns: SNSClient;
  /** Pool slots to give back when a run ends (what a dead worker or a timed-out try still held). */
  readonly pools?: PoolSlots;
  /**
   * Where callbacks of an ended run go (the control queue) and where the manifest that says which it has is read
   * from; without it no callback is sent.
   */
  readonly callbacks?: CallbackDispatch;
  /** The deadline schedule group: an ended run's deadline schedule is deleted there. */
  readonly deadlines?: Pick<DeadlineScheduling, 'scheduler' | 'group'>;
  readonly now?: () => Date;
}

export interface Recorded {
  readonly dagId: string;
  readonly runId: string;
  readonly state: string;
  readonly tasks: TaskRecordSummary[];
  readonly alerted: boolean;
  /** The first queued run started in its place, if any (all of them in `startedQueuedRuns`). */
  readonly startedQueued?: string;
  readonly startedQueuedRuns?: string[];
  /** Pool slots the run's tries still held, given back. */
  readonly slotsFreed?: number;
  /** A RUNNING event that arrived after the run had ended: nothing was changed. */
  readonly stale?: boolean;
  /** Ids of the callback messages sent to the worker (the run's, and those of tries that timed out). */
  readonly callbacksSent?: string[];
  /** The run ended after its deadline and this call recorded the miss (the schedule had not fired yet). */
  readonly deadlineMissed?: boolean;
}

/**
 * Records a run's status change: the run record; when it ended, its task instances (one per task, and one per
 * item of a mapped task, `<taskId>#<mapIndex>`, read from the execution's history), an alert unless it
 * succeeded, the pool slots its tries still hold, and the oldest queued runs of the DAG started in the places
 * that are free. Idempotent: records are overwritten with the same values, the alert goes out once (`alertedAt`),
 * a slot is given back once, a queued run is taken under a condition and started under its own execution name.
 */
export async function recordExecution(
  change: ExecutionStatusChange,
  deps: RecorderDeps,
): Promise<Recorded | undefined> {
  const ctx = (JSON.parse(change.input ?? '{}') as { ctx?: RunContext }).ctx;
  if (ctx?.dagId === undefined || ctx.runId === undefined) return undefined; // not an Airstep run
  // A split DAG's child execution: the run is its parent's, recorded when the parent ends.
  if (isRunPart(change)) return undefined;
  const { sfn } = deps;
  const runs = new RunStore(deps.dynamo, deps.tables);
  const state = RUN_STATE[change.status];
  const ended = change.status !== 'RUNNING';
  const status = await runs.recordStatus({
    dagId: ctx.dagId,
    runId: ctx.runId,
    state,
    ended,
    executionArn: change.executionArn,
    startedAt: new Date(change.startDate),
    ...(change.stopDate ? { endedAt: new Date(change.stopDate) } : {}),
  });
  const base = { dagId: ctx.dagId, runId: ctx.runId, state, tasks: [] as TaskRecordSummary[], alerted: false };
  // A stale end (of an execution a clear replaced) changes nothing: the run's records are the new execution's.
  if (!ended || status.stale) return status.stale ? { ...base, stale: true } : base;

  const history = await executionHistory(sfn, change.executionArn);
  const payload = change.status === 'SUCCEEDED' ? JSON.parse(change.output ?? 'null') : lastPayload(history);
  const dag = await dagRecordOf(ctx.dagId, status.dagVersion, deps);
  // A split DAG's tasks ran in child executions: their mapped items and timed-out tries are in the children's
  // histories (each read alone: event ids are per execution).
  const histories = [history];
  for (const child of childExecutionArns(history)) histories.push(await executionHistory(sfn, child));
  const tasks = withMappedInstances(
    // A child that ended on its own left its tasks the parent's `failed`, but those that ended keep their own.
    withChildOwnRecords(taskRecords(payload, dag?.taskIds ?? {}), payload, histories.slice(1), dag?.taskIds ?? {}),
    histories.flatMap((events) => mappedTaskInstances(events)),
  );
  for (const task of tasks) {
    await deps.dynamo.send(
      new UpdateItemCommand(finalTaskRecord(deps.tables.taskInstances, ctx, task, change.executionArn)),
    );
  }
  // After the records: callbacks run once the states they are called for are recorded.
  const callbacksSent =
    deps.callbacks !== undefined
      ? await sendCallbacks(deps.callbacks, change, ctx, status.dagVersion ?? dag?.dagVersion, histories)
      : [];
  let alerted = false;
  // Sent before it is noted: a recorder that dies in between sends it again rather than never.
  if (change.status !== 'SUCCEEDED' && status.alertedAt === undefined) {
    const { subject, message } = alertText({
      ctx,
      status: change.status,
      executionArn: change.executionArn,
      tasks,
      error: change.error,
    });
    await deps.sns.send(new PublishCommand({ TopicArn: deps.alertsTopicArn, Subject: subject, Message: message }));
    await runs.markAlerted(ctx.dagId, ctx.runId, deps.now?.() ?? new Date());
    alerted = true;
  }
  const endedAt = new Date(change.stopDate ?? (deps.now?.() ?? new Date()).getTime());
  const deadline = await settleRunDeadline(
    {
      dag,
      ctx,
      endedAt,
      queuedAt: status.triggeredAt !== undefined ? new Date(status.triggeredAt) : new Date(change.startDate),
    },
    { ...deps, runsTable: deps.tables.runs },
  );
  const slotsFreed = (await deps.pools?.releaseExecution(change.executionArn)) ?? 0;
  const started = await startQueuedRuns(ctx.dagId, { runs, sfn, deps });
  return {
    ...base,
    tasks,
    alerted,
    ...(started.length > 0 ? { startedQueued: started[0]!, startedQueuedRuns: started } : {}),
    ...(deps.pools !== undefined ? { slotsFreed } : {}),
    ...(callbacksSent.length > 0 ? { callbacksSent } : {}),
    ...(deadline?.recorded === true ? { deadlineMissed: true } : {}),
  };
}

/**
 * The callbacks of an ended run that no worker calls by itself: the DAG's, and those of tries that timed out
 * (`onRetry`, or `onFailure` for a task's last try). A redelivered event sends them again; the worker calls each once (its idempotence record).
 */
async function sendCallbacks(
  dispatch: CallbackDispatch,
  change: ExecutionStatusChange,
  ctx: RunContext,
  dagVersion: string | undefined,
  histories: ReadonlyArray<readonly HistoryEvent[]>,
): Promise<string[]> {
  if (dagVersion === undefined) return [];
  const manifest = await readManifest(dispatch, ctx.dagId, dagVersion);
  if (manifest === undefined) return [];
  const run = { dagVersion, executionArn: change.executionArn, ctx };
  const messages = timedOutTryCallbacks(
    run,
    histories.flatMap((events) => timedOutTries(events)),
    manifest,
  );
  for (const message of messages) await sendCallback(dispatch, message);
  const dagMessage = await dispatchDagCallback(
    dispatch,
    { ...run, callbacks: manifest.callbacks },
    change.status,
    change,
  );
  return [...messages, ...(dagMessage !== undefined ? [dagMessage] : [])].map((message) => message.id);
}

/**
 * The record of the DAG version the run ran (else the live one): its payload key -> task id map and its deadline.
 */
async function dagRecordOf(
  dagId: string,
  version: string | undefined,
  deps: RecorderDeps,
): Promise<DagRecord | undefined> {
  return (
    (version !== undefined ? await readDagRecord(deps.dynamo, deps.tables.dags, dagId, version) : undefined) ??
    (await readDagRecord(deps.dynamo, deps.tables.dags, dagId))
  );
}

/**
 * Every event of an execution's history, every page. The recorder reads it whole: the instances of a mapped
 * task are spread over it, and a run that did not succeed has its last payload in it.
 */
async function executionHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        maxResults: 1000,
        ...(nextToken !== undefined ? { nextToken } : {}),
      }),
    );
    // Only what lastPayload and mappedTaskInstances read is kept: every item's entered input holds the whole
    // payload, so a wide Map's full history would cost the Lambda many times the payload's size in memory.
    for (const event of page.events ?? []) {
      events.push({
        id: event.id,
        previousEventId: event.previousEventId,
        type: event.type,
        timestamp: event.timestamp,
        ...(event.mapIterationStartedEventDetails !== undefined
          ? { mapIterationStartedEventDetails: event.mapIterationStartedEventDetails }
          : {}),
        ...(event.taskScheduledEventDetails !== undefined
          ? { taskScheduledEventDetails: event.taskScheduledEventDetails }
          : {}),
        // A split DAG's parent: which child executions it started (childExecutionArns).
        ...(event.taskSubmittedEventDetails?.resourceType === 'states'
          ? { taskSubmittedEventDetails: event.taskSubmittedEventDetails }
          : {}),
        ...(event.taskSucceededEventDetails?.resourceType === 'states'
          ? { taskSucceededEventDetails: event.taskSucceededEventDetails }
          : {}),
        ...(event.taskFailedEventDetails?.resourceType === 'states'
          ? { taskFailedEventDetails: event.taskFailedEventDetails }
          : {}),
        ...(event.stateExitedEventDetails !== undefined
          ? { stateExitedEventDetails: event.stateExitedEventDetails }
          : {}),
        // A try that timed out: its callback is the recorder's to send (see timedOutTries).
        ...(event.taskTimedOutEventDetails !== undefined
          ? { taskTimedOutEventDetails: event.taskTimedOutEventDetails }
          : {}),
      });
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return events;
}

/**
 * Starts the oldest queued runs of a DAG while it has free `maxActiveRuns` places. A queued run that already has
 * an execution (a duplicate that was queued twice) is dropped. Also what the trigger does on an unpause.
 */
export async function startQueuedRuns(
  dagId: string,
  io: {
    runs: RunStore;
    sfn: SFNClient;
    deps: Pick<RecorderDeps, 'dynamo' | 'now'> & { readonly tables: { readonly dags: string } };
  },
): Promise<string[]> {
  const dag = await readDagRecord(io.deps.dynamo, io.deps.tables.dags, dagId);
  // A paused DAG's queued runs wait for its unpause (Airflow's scheduler starts no run of a paused DAG).
  if (dag === undefined || dag.disabled || dag.pausedAt !== undefined) return [];
  // Admitted one at a time with the trigger's admissions; a minute is the recorder Lambda's timeout.
  const lease = admissionLease(io.deps.dynamo, io.deps.tables.dags, dagId, {
    holder: randomUUID(),
    seconds: 60,
    waitMs: 20_000,
  });
  return withLease(lease, async () => {
    const free = queuedRunsToStart(await io.runs.countRunning(dagId), dag.maxActiveRuns, Number.POSITIVE_INFINITY);
    const started: string[] = [];
    for (const queued of await io.runs.oldestQueued(dagId, free)) {
      if (!(await io.runs.take(queued))) continue; // another recorder took it
      try {
        const execution = await io.sfn.send(
          new StartExecutionCommand({
            stateMachineArn: dag.aliasArn,
            name: queued.executionName ?? executionName(queued.runId),
            input: queued.input,
          }),
        );
        await io.runs.recordQueuedStarted(queued, execution.executionArn!, io.deps.now?.() ?? new Date());
        started.push(queued.runId);
      } catch (error) {
        if (error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists') continue;
        await io.runs.requeue(queued); // not started: back in its place for the next try
        throw error;
      }
    }
    return started;
  });
}
