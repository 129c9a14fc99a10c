import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { asTaskState, type RunState, type TaskState } from '../compiler/run-states.ts';
import { WORKER_ERROR } from '../compiler/worker-contract.ts';
import { isConditionalCheckFailure } from '../dynamo/conditional-write.ts';
import { type AnswerShape, recordTry, taskInstanceKey } from '../worker/try-records.ts';
import type { MarkPlan, MarkState } from './mark-decision.ts';
import type { CloudTaskInstance } from './run-history.ts';

/**
 * `airstep mark` on the deployed stack (the user's credentials): a task of a running run that waits on its
 * token is answered with that token (read from the worker's live record); an ended run's records are rewritten.
 */
export interface CloudMarkDeps {
  readonly dynamo: DynamoDBClient;
  readonly sfn: SFNClient;
  readonly tables: { readonly runs: string; readonly taskInstances: string };
  readonly now?: () => Date;
}

export type MarkOutcome = { ok: true; changed: string[]; runState: RunState } | { ok: false; message: string };

/** The error a task marked failed ends with: non-retryable, so the state machine fails it without a retry. */
export const MARKED_FAILED_CAUSE = 'marked failed with airstep mark';

/** Errors that mean the token was answered or gave up before the mark got there. */
const TOKEN_GONE = /TaskTimedOut|InvalidToken|TaskDoesNotExist/;

/**
 * Answers the token of a try that waits (queued for a slot, or running on a worker): SendTaskSuccess with an
 * empty result, or SendTaskFailure with NonRetryableError. The worker still running that try then finds its own
 * answer refused (TaskTimedOut / InvalidToken) and ends quietly; its live record is written here instead.
 */
export async function markWaitingTask(
  deps: CloudMarkDeps,
  run: { readonly dagId: string; readonly runId: string },
  task: { readonly taskId: string; readonly mapIndex: number },
  state: MarkState,
): Promise<MarkOutcome> {
  const name = task.mapIndex >= 0 ? `${task.taskId}[${task.mapIndex}]` : task.taskId;
  const item = (
    await deps.dynamo.send(
      new GetItemCommand({
        TableName: deps.tables.taskInstances,
        Key: taskInstanceKey(run.dagId, run.runId, task.taskId, task.mapIndex),
        ConsistentRead: true,
      }),
    )
  ).Item;
  const liveState = asTaskState(item?.state?.S);
  const token = item?.token?.S;
  const tryNumber = Number(item?.tries?.N ?? '1');
  if (item === undefined || token === undefined || (liveState !== 'running' && liveState !== 'queued')) {
    return {
      ok: false,
      message:
        `task ${name} of ${run.dagId} › ${run.runId} is not waiting on a worker (${item === undefined ? 'no record yet' : liveState}): ` +
        'while a run runs, only a task whose try is queued or running on a worker can be marked',
    };
  }
  const shape = (item.answerShape?.S ?? 'plain') as AnswerShape;
  if (state === 'success' && shape !== 'plain') {
    return {
      ok: false,
      message: `task ${name} is a ${shape.replace('_', ' ')}: marking it success would choose its downstream path for it; mark it failed, or let it run`,
    };
  }
  try {
    if (state === 'success') {
      // The shape a plain task's worker answers with (lib/runtime/task-runner.ts): no XCom value, and an empty
      // extra per outlet when its outlets state reads them (lib/compiler/outlet-extra.ts).
      const extras = Number(item.outletExtras?.N ?? '0');
      const output = JSON.stringify({
        output: null,
        try: tryNumber,
        ...(extras > 0 ? { outletExtra: Array.from({ length: extras }, () => ({})) } : {}),
      });
      await deps.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output }));
    } else {
      const failure = { taskToken: token, error: WORKER_ERROR.nonRetryable, cause: MARKED_FAILED_CAUSE };
      await deps.sfn.send(new SendTaskFailureCommand(failure));
    }
  } catch (error) {
    if (!TOKEN_GONE.test((error as Error).name)) throw error;
    return {
      ok: false,
      message: `task ${name}'s try ${tryNumber} ended before it could be marked (see airstep tasks)`,
    };
  }
  await recordTry(
    deps.dynamo,
    deps.tables.taskInstances,
    { ...run, ...task, tryNumber },
    {
      phase: 'ended',
      state,
      at: deps.now?.() ?? new Date(),
      ...(state === 'failed' ? { error: WORKER_ERROR.nonRetryable } : {}),
    },
  );
  return { ok: true, changed: [`${name}: ${liveState} -> ${state}`], runState: 'running' };
}

/**
 * Writes a mark's plan for an ended run: each changed record (kept `final`, with when it was marked), then the
 * run's state, under the condition that the run has still ended.
 */
export async function writeEndedRunMark(
  deps: CloudMarkDeps,
  run: { readonly dagId: string; readonly runId: string },
  plan: MarkPlan<CloudTaskInstance>,
): Promise<MarkOutcome> {
  const at = (deps.now?.() ?? new Date()).toISOString();
  try {
    await deps.dynamo.send(
      new UpdateItemCommand({
        TableName: deps.tables.runs,
        Key: { dagId: { S: run.dagId }, runId: { S: run.runId } },
        UpdateExpression: 'SET #state = :state, markedAt = :at',
        ConditionExpression: 'attribute_exists(runId) AND NOT #state IN (:running, :queued)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':state': { S: plan.runState },
          ':at': { S: at },
          ':running': { S: 'running' },
          ':queued': { S: 'queued' },
        },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    return { ok: false, message: `${run.dagId} › ${run.runId} is running again: nothing was marked` };
  }
  for (const { record, state } of plan.changed) await writeMarkedRecord(deps, run, record, state, at);
  return { ok: true, changed: plan.changed.map(changeLine), runState: plan.runState };
}

async function writeMarkedRecord(
  deps: CloudMarkDeps,
  run: { readonly dagId: string; readonly runId: string },
  record: CloudTaskInstance,
  state: TaskState,
  at: string,
): Promise<void> {
  await deps.dynamo.send(
    new UpdateItemCommand({
      TableName: deps.tables.taskInstances,
      Key: taskInstanceKey(run.dagId, run.runId, record.taskId, record.mapIndex),
      UpdateExpression: 'SET #state = :state, #final = :final, markedAt = :at REMOVE #token',
      ExpressionAttributeNames: { '#state': 'state', '#final': 'final', '#token': 'token' },
      ExpressionAttributeValues: { ':state': { S: state }, ':final': { BOOL: true }, ':at': { S: at } },
    }),
  );
}

export function changeLine(change: {
  readonly record: { readonly taskId: string; readonly mapIndex: number; readonly state: TaskState };
  readonly state: TaskState;
}): string {
  const { record } = change;
  const name = record.mapIndex >= 0 ? `${record.taskId}[${record.mapIndex}]` : record.taskId;
  return `${name}: ${record.state} -> ${change.state}`;
}
