import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { initialPayload } from '../compiler/worker-contract.ts';
import { isConditionalCheckFailure } from '../dynamo/conditional-write.ts';
import type { DagRecord } from '../dynamo/dag-record.ts';
import { withLease } from '../dynamo/item-lease.ts';
import { admissionLease } from './admission-lease.ts';
import { clearExecutionName } from './execution-name.ts';
import type { KnownRun } from './run-admission.ts';
import { RunStore } from './run-store.ts';
import type { ClearEvent } from './trigger-event.ts';
import type { TriggerResult, TriggerTables } from './trigger-run.ts';

/**
 * Why the trigger started no clear. `RUN_NOT_CLEARABLE`: the run is unknown, still queued or running, or moved on
 * since the CLI planned the clear (another clear started it again). A paused or disabled DAG is refused with the
 * trigger's own codes. A DAG already running its `maxActiveRuns` runs is no refusal: the clear is queued.
 */
export type ClearRefusal = 'RUN_NOT_CLEARABLE';

/** Run states a clear starts from: the recorder's ends of an execution that stopped (ABORTED is interrupted). */
const CLEARABLE = ['success', 'failed', 'interrupted'] as const;

/**
 * Starts the new execution of a cleared run (`airstep clear --stack`), under the DAG's admission lease like any
 * other run, so `maxActiveRuns` counts it. The run record is claimed first, under a condition (still ended, still
 * on the execution the clear was planned from, not yet at this clear's attempt): the one caller whose claim lands
 * starts the execution, a repeated request is answered `duplicate`. When the DAG already runs `maxActiveRuns`
 * runs the clear is queued instead, as Airflow queues a cleared run: the record is claimed to `queued` and the
 * recorder starts the execution, under the same name, when a place frees (record-execution.ts). The execution is
 * named by the run and the attempt (`clearExecutionName`), so even a claim replayed after a crash cannot start a
 * second one; its input is the run's context plus the keep list. The record then names the new execution; the recorder maps its events
 * to the same run by the context's run id, and writes its end and final task records as for any execution.
 */
export async function clearRun(
  event: ClearEvent,
  dag: DagRecord,
  tables: TriggerTables,
  now: Date,
  clients: { readonly dynamo: DynamoDBClient; readonly sfn: SFNClient },
): Promise<TriggerResult> {
  const refuse = (code: ClearRefusal | 'DAG_DISABLED' | 'DAG_PAUSED', problem: string): TriggerResult => ({
    outcome: 'refused',
    code,
    problems: [`dag ${dag.dagId} › run ${event.runId}: ${problem}`],
  });
  if (dag.disabled) return refuse('DAG_DISABLED', 'the DAG is disabled (its file was deleted)');
  if (dag.pausedAt !== undefined) {
    return refuse(
      'DAG_PAUSED',
      `the DAG is paused (since ${dag.pausedAt}): a cleared run would not be scheduled; unpause it first (airstep unpause ${dag.dagId})`,
    );
  }
  const { dynamo } = clients;
  const runs = new RunStore(dynamo, tables);
  const lease = admissionLease(dynamo, tables.dags, dag.dagId, { holder: randomUUID(), seconds: 30, waitMs: 10_000 });
  return withLease(lease, async () => {
    const known = await runs.read(dag.dagId, event.runId);
    const name = clearExecutionName(event.runId, event.clear.attempt);
    if (known === undefined) return refuse('RUN_NOT_CLEARABLE', 'no such run');
    // The answer to a request that finds the run started (or queued) again: by this very clear, or another.
    const duplicateOf = (run: KnownRun | undefined): TriggerResult => ({
      outcome: 'duplicate',
      runId: event.runId,
      executionName: name,
      state: run?.state ?? 'running',
      ...(run?.executionArn !== undefined ? { executionArn: run.executionArn } : {}),
    });
    if (known.executionArn !== event.previousExecutionArn || (known.clears ?? 0) >= event.clear.attempt) {
      return duplicateOf(known);
    }
    if (!CLEARABLE.includes(known.state as (typeof CLEARABLE)[number])) {
      return refuse('RUN_NOT_CLEARABLE', `the run is ${known.state ?? 'not recorded'}: clear an ended run`);
    }
    const duplicate = async () => duplicateOf(await runs.read(dag.dagId, event.runId));
    const input = JSON.stringify(initialPayload({ ...event.ctx, clear: event.clear }));
    const active = await runs.countRunning(dag.dagId, event.runId);
    if (active >= dag.maxActiveRuns) {
      // The queue item first: a claim without one would leave the run queued for good.
      const queued = await runs.queueClear(event, input, name, now);
      if (!(await claim(dynamo, tables.runs, event, known.state!, now, 'queued'))) {
        await runs.take(queued);
        return duplicate();
      }
      return { outcome: 'queued', runId: event.runId, activeRuns: active };
    }
    if (!(await claim(dynamo, tables.runs, event, known.state!, now, 'running'))) return duplicate();
    let executionArn: string;
    try {
      const started = await clients.sfn.send(new StartExecutionCommand({ stateMachineArn: dag.aliasArn, name, input }));
      executionArn = started.executionArn!;
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists')) {
        // Nothing started: the run goes back to how it was, so the clear can be asked for again.
        await unclaim(dynamo, tables.runs, event, known.state!);
        throw error;
      }
      // Only a crash between the claim and this point leaves the name taken: that execution is this clear's.
      return { outcome: 'duplicate', runId: event.runId, executionName: name, state: 'running' };
    }
    await nameExecution(dynamo, tables.runs, event, executionArn);
    return { outcome: 'started', runId: event.runId, executionArn };
  });
}

const runKey = (event: ClearEvent) => ({ dagId: { S: event.dagId }, runId: { S: event.runId } });

/**
 * Moves the ended run back to `running` (or `queued`) for this clear: `clears` counts it, the end and the alert mark (a clear
 * that fails again alerts again) of the execution before are removed, and that execution joins `endedExecutions`,
 * whose late events the recorder then ignores (run-store.ts). False when the run is no longer the ended one the
 * clear was planned from.
 */
async function claim(
  dynamo: DynamoDBClient,
  table: string,
  event: ClearEvent,
  state: string,
  now: Date,
  to: 'running' | 'queued',
) {
  try {
    await dynamo.send(
      new UpdateItemCommand({
        TableName: table,
        Key: runKey(event),
        UpdateExpression:
          'SET #state = :to, clears = :attempt, clearedAt = :now, clearedFrom = :state ' +
          'REMOVE endedAt, alertedAt ADD endedExecutions :previousSet',
        ConditionExpression:
          '#state = :state AND executionArn = :previous AND (attribute_not_exists(clears) OR clears < :attempt)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':to': { S: to },
          ':state': { S: state },
          ':attempt': { N: String(event.clear.attempt) },
          ':previous': { S: event.previousExecutionArn },
          ':previousSet': { SS: [event.previousExecutionArn] },
          ':now': { S: now.toISOString() },
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}

/** Undoes a claim whose execution did not start: the run's state and clear count as they were. */
async function unclaim(dynamo: DynamoDBClient, table: string, event: ClearEvent, state: string) {
  const attempt = event.clear.attempt;
  await dynamo.send(
    new UpdateItemCommand({
      TableName: table,
      Key: runKey(event),
      UpdateExpression: `SET #state = :state${attempt > 1 ? ', clears = :before' : ''} REMOVE clearedAt, clearedFrom${attempt > 1 ? '' : ', clears'} DELETE endedExecutions :previousSet`,
      ConditionExpression: 'executionArn = :previous AND clears = :attempt',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ':state': { S: state },
        ':previous': { S: event.previousExecutionArn },
        ':attempt': { N: String(attempt) },
        ':previousSet': { SS: [event.previousExecutionArn] },
        ...(attempt > 1 ? { ':before': { N: String(attempt - 1) } } : {}),
      },
    }),
  );
}

/**
 * Points the run at its new execution. Conditional on it still pointing at the old one: a fast execution whose
 * end the recorder already wrote (with its ARN) is left as the recorder wrote it.
 */
async function nameExecution(dynamo: DynamoDBClient, table: string, event: ClearEvent, executionArn: string) {
  try {
    await dynamo.send(
      new UpdateItemCommand({
        TableName: table,
        Key: runKey(event),
        UpdateExpression: 'SET executionArn = :arn',
        ConditionExpression: 'executionArn = :previous',
        ExpressionAttributeValues: { ':arn': { S: executionArn }, ':previous': { S: event.previousExecutionArn } },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
  }
}
