import { type AttributeValue, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { TaskState } from '../compiler/run-states.ts';
import type { TaskMessage } from '../compiler/worker-contract.ts';
import { isConditionalCheckFailure } from '../dynamo/conditional-write.ts';
import { tryNumberOf } from '../runtime/kept-task.ts';

/**
 * Live task-instance records: the worker writes each try's state as it happens (queued for a slot, running,
 * then success / failed / up_for_retry / skipped) into the run's taskInstances item (`<dagId>#<runId>`,
 * `<taskId>#<mapIndex>`, the key the recorder writes at run end), so `airstep tasks --stack` shows a running
 * run. Two rules keep the item right whatever order SQS redeliveries and slow writers come in:
 *
 * - `liveOrder` = try × 4 + phase (queued 1, running 2, ended 3): a write lands only over a smaller order, so a
 *   late "running" never hides the same try's end, and try 1's end never hides try 2.
 * - `final`: the recorder's end-of-run write sets it; no worker write of the same execution lands on an item that
 *   has it, so the recorder's record stays the final word. The record names the execution it is final for
 *   (`finalExecutionArn`): a cleared run's next execution writes its cleared instances' tries over it.
 *
 * Each write also appends its phase to the item's `tryEvents` list (in the same UpdateItem, under the same
 * condition, so a write dropped appends nothing): the item's own times are its latest try's, the events keep every
 * try's (`tryTimesOf` reads them back), for a Gantt of every try and a task instance's history.
 *
 * The try's task token is kept on the item while the try is queued or running (removed when it ends): it is what
 * `airstep mark` answers a waiting task with. The table is only readable by the stack's worker, recorder and
 * operators, who can already read the same token from the task queue's messages.
 */
export const TRY_PHASE = { queued: 1, running: 2, ended: 3 } as const;
export type TryPhase = keyof typeof TRY_PHASE;

/** How the state machine expects this task's answer to look (what `mark success` may send in its place). */
export type AnswerShape = 'plain' | 'branch' | 'short_circuit' | 'poke';

/** The order of a try's phase: every write must be later than the one it replaces. */
export function liveOrder(tryNumber: number, phase: TryPhase): number {
  return tryNumber * 4 + TRY_PHASE[phase];
}

/** The taskInstances key of a task instance (the recorder's and the worker's). */
export function taskInstanceKey(dagId: string, runId: string, taskId: string, mapIndex: number) {
  return { runKey: { S: `${dagId}#${runId}` }, taskKey: { S: `${taskId}#${mapIndex}` } };
}

/** What an ended try means for its task instance, as Airflow names it. */
export function endedTryState(
  outcome: { readonly ok: boolean; readonly error?: string },
  tryNumber: number,
  retries: number,
): TaskState {
  if (outcome.ok) return 'success';
  if (outcome.error === 'SkipError') return 'skipped';
  if (outcome.error === 'NonRetryableError') return 'failed';
  return tryNumber <= retries ? 'up_for_retry' : 'failed';
}

/** Which try a write is about (a task message names one; `airstep mark` reads one from the record). */
export interface TryIdentity {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly mapIndex: number;
  readonly tryNumber: number;
  readonly token?: string;
  readonly executionArn?: string;
}

/** The try a task message carries. */
export function tryOf(message: TaskMessage): TryIdentity {
  return {
    dagId: message.ctx.dagId,
    runId: message.ctx.runId,
    taskId: message.taskId,
    mapIndex: message.mapIndex,
    // After a clear, the run's earlier tries count too (so the live order grows past the old final record's).
    tryNumber: tryNumberOf(message),
    token: message.token,
    executionArn: message.executionArn,
  };
}

export interface TryRecordChange {
  readonly phase: TryPhase;
  readonly state: TaskState;
  readonly at: Date;
  /** The Lambda log stream or the Fargate task the try runs on. */
  readonly host?: string;
  readonly error?: string;
  readonly answer?: AnswerShape;
  /** How many outlet extras the answer carries (outlet-extra.ts): `mark success` answers that many `{}`. */
  readonly outletExtras?: number;
}

/**
 * The UpdateItem input of one live write (pure: tests read the condition it carries). Queued and running keep
 * the token; the end removes it.
 */
export function tryRecordUpdate(table: string, message: TryIdentity, change: TryRecordChange) {
  const { tryNumber } = message;
  const at = change.at.toISOString();
  const set = [
    '#state = :state',
    'taskId = :taskId',
    'mapIndex = :mapIndex',
    'tries = :try',
    'liveOrder = :order',
    'tryEvents = list_append(if_not_exists(tryEvents, :noEvents), :event)',
  ];
  const remove: string[] = [];
  const values: Record<string, AttributeValue> = {
    ':state': { S: change.state },
    ':taskId': { S: message.taskId },
    ':mapIndex': { N: String(message.mapIndex) },
    ':try': { N: String(tryNumber) },
    ':order': { N: String(liveOrder(tryNumber, change.phase)) },
  };
  if (change.phase === 'ended') {
    set.push('endedAt = :at');
    remove.push('#token');
    if (change.error !== undefined) {
      set.push('#error = :error');
      values[':error'] = { S: change.error };
    } else remove.push('#error');
  } else {
    // A new try (or its wait for a slot) starts clean: no end, no error of the try before.
    set.push(
      change.phase === 'queued' ? 'queuedAt = :at' : 'startedAt = :at',
      '#token = :token',
      'executionArn = :arn',
    );
    remove.push('endedAt', '#error', ...(change.phase === 'queued' ? ['startedAt'] : []));
    values[':token'] = { S: message.token ?? '' };
    if (change.answer !== undefined) {
      set.push('answerShape = :answer');
      values[':answer'] = { S: change.answer };
    }
    if (change.outletExtras !== undefined && change.outletExtras > 0) {
      set.push('outletExtras = :outletExtras');
      values[':outletExtras'] = { N: String(change.outletExtras) };
    }
  }
  values[':at'] = { S: at };
  values[':arn'] = { S: message.executionArn ?? '' };
  values[':noEvents'] = { L: [] };
  values[':event'] = { L: [{ M: tryEventItem(tryNumber, change) }] };
  if (change.host !== undefined) {
    set.push('host = :host');
    values[':host'] = { S: change.host };
  }
  return {
    TableName: table,
    Key: taskInstanceKey(message.dagId, message.runId, message.taskId, message.mapIndex),
    UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
    // A record final for an earlier execution of the run (a cleared run's next execution is running) takes this
    // execution's tries again; one final for this execution (or for every one) takes nothing more.
    ConditionExpression:
      '(attribute_not_exists(#final) OR (attribute_exists(finalExecutionArn) AND finalExecutionArn <> :arn)) AND ' +
      '(attribute_not_exists(liveOrder) OR liveOrder < :order)',
    // Every phase sets or removes both the token and the error.
    ExpressionAttributeNames: { '#state': 'state', '#final': 'final', '#token': 'token', '#error': 'error' },
    ExpressionAttributeValues: values,
  };
}

/** One phase of one try as `tryEvents` keeps it. */
export interface TryEvent {
  readonly try: number;
  readonly phase: TryPhase;
  readonly state: TaskState;
  readonly at: string;
  readonly error?: string;
}

function tryEventItem(tryNumber: number, change: TryRecordChange): Record<string, AttributeValue> {
  return {
    try: { N: String(tryNumber) },
    phase: { S: change.phase },
    state: { S: change.state },
    at: { S: change.at.toISOString() },
    ...(change.phase === 'ended' && change.error !== undefined ? { error: { S: change.error } } : {}),
  };
}

/** One try's times and end, folded from its events (the local store's `tryTimes` shape). */
export interface TryTimesOfEvents {
  readonly try: number;
  readonly state: TaskState;
  readonly queuedAt?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly error?: string;
}

/**
 * Every try's times from an item's `tryEvents` (its DynamoDB list as read), oldest try first. Events the item
 * took are in order of their `liveOrder`, but a reader makes no use of it: each phase sets its own field.
 */
export function tryTimesOf(events: AttributeValue | undefined): TryTimesOfEvents[] {
  const tries = new Map<number, { -readonly [K in keyof TryTimesOfEvents]: TryTimesOfEvents[K] }>();
  for (const item of events?.L ?? []) {
    const fields = item.M;
    const tryNumber = Number(fields?.try?.N);
    const phase = fields?.phase?.S;
    const at = fields?.at?.S;
    if (!Number.isInteger(tryNumber) || phase === undefined || at === undefined) continue;
    const entry = tries.get(tryNumber) ?? { try: tryNumber, state: 'queued' };
    tries.set(tryNumber, entry);
    if (phase === 'queued') entry.queuedAt = at;
    else if (phase === 'running') entry.startedAt = at;
    else if (phase === 'ended') entry.endedAt = at;
    if (fields?.state?.S !== undefined) entry.state = fields.state.S as TaskState;
    if (fields?.error?.S !== undefined) entry.error = fields.error.S;
  }
  return [...tries.values()].sort((a, b) => a.try - b.try);
}

/**
 * Writes one live state of a try. False when the item already holds a later state or the recorder's final
 * record (the write is dropped, as it must be). A failed write never fails the try: the record is for people,
 * the answer to the token is what runs the DAG; `log` hears of it.
 */
export async function recordTry(
  dynamo: DynamoDBClient,
  table: string,
  message: TryIdentity,
  change: TryRecordChange,
  log?: (line: string) => void,
): Promise<boolean> {
  try {
    await dynamo.send(new UpdateItemCommand(tryRecordUpdate(table, message, change)));
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    log?.(`live task record not written (${(error as Error).name}: ${(error as Error).message})`);
    return false;
  }
}
