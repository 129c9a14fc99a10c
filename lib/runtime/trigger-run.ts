import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { scheduleSpecOf } from '../compiler/schedule-check.ts';
import { manualRunInterval, type RunInterval, scheduledInterval } from '../schedule/index.ts';
import { type DagRecord, dynamoClient, readDagRecord } from './dag-record.ts';
import { executionName } from './execution-name.ts';
import { resolveParams } from './params.ts';
import { intervalRunContext } from './run-context.ts';

/** What starts a run: a schedule firing (with EventBridge Scheduler's scheduled time) or a person or API. */
export type TriggerEvent =
  | { readonly kind: 'scheduled'; readonly dagId: string; readonly scheduledTime: string }
  | {
      readonly kind: 'manual';
      readonly dagId: string;
      readonly conf?: Record<string, unknown>;
      /** The logical date asked for; default the trigger time. */
      readonly logicalDate?: string;
    };

export type TriggerResult =
  | { readonly outcome: 'started'; readonly runId: string; readonly executionArn: string }
  | { readonly outcome: 'duplicate'; readonly runId: string; readonly executionName: string }
  | { readonly outcome: 'queued'; readonly runId: string; readonly activeRuns: number }
  | { readonly outcome: 'refused'; readonly problems: string[] }
  | { readonly outcome: 'skipped'; readonly reason: string };

export interface TriggerTables {
  readonly dags: string;
  readonly runs: string;
  readonly queuedRuns: string;
}

/**
 * The pure part of a trigger: which run (interval, run id, params) this event asks for, or why none. Conf that
 * fails the params schema is refused with messages naming the field.
 */
export function planRun(
  dag: DagRecord,
  event: TriggerEvent,
  now: Date,
):
  | { ok: true; interval: RunInterval; params: Record<string, unknown>; conf: Record<string, unknown> }
  | { ok: false; result: TriggerResult } {
  if (dag.disabled)
    return {
      ok: false,
      result: { outcome: 'refused', problems: [`DAG ${dag.dagId} is disabled (its file was deleted)`] },
    };
  const conf = event.kind === 'manual' ? (event.conf ?? {}) : {};
  const params = resolveParams(dag.params, conf);
  if (!params.ok) {
    return {
      ok: false,
      result: {
        outcome: 'refused',
        problems: params.problems.map((p) => `dag ${dag.dagId} › ${p.field}: ${p.message}`),
      },
    };
  }
  let interval: RunInterval | undefined;
  if (event.kind === 'scheduled') {
    interval = scheduledInterval(scheduleSpecOf(dag.schedule), new Date(event.scheduledTime));
    if (interval === undefined) {
      return {
        ok: false,
        result: { outcome: 'skipped', reason: `no run of ${dag.dagId} fires at ${event.scheduledTime}` },
      };
    }
  } else {
    const at = event.logicalDate !== undefined ? new Date(event.logicalDate) : now;
    if (Number.isNaN(at.getTime())) {
      return {
        ok: false,
        result: { outcome: 'refused', problems: [`logicalDate '${event.logicalDate}' is not an ISO date`] },
      };
    }
    interval = manualRunInterval(at, dag.schedule.timezone);
  }
  return { ok: true, interval, params: params.params, conf };
}

/**
 * Starts a run: StartExecution on the DAG's alias with the run id as execution name (a duplicate trigger starts
 * nothing), or queues the run when `maxActiveRuns` runs are active. Records the run.
 */
export async function triggerRun(event: TriggerEvent, tables: TriggerTables, now = new Date()): Promise<TriggerResult> {
  const dynamo = dynamoClient();
  const dag = await readDagRecord(dynamo, tables.dags, event.dagId);
  if (dag === undefined) return { outcome: 'refused', problems: [`no DAG '${event.dagId}' is deployed`] };
  const plan = planRun(dag, event, now);
  if (!plan.ok) return plan.result;
  const ctx = intervalRunContext({
    dagId: dag.dagId,
    timezone: dag.schedule.timezone,
    interval: plan.interval,
    runType: event.kind,
    params: plan.params,
    conf: plan.conf,
  });
  const input = JSON.stringify({ ctx, tasks: {}, gates: {} });

  const active = await dynamo.send(
    new QueryCommand({
      TableName: tables.runs,
      KeyConditionExpression: 'dagId = :dag',
      FilterExpression: '#state = :running AND runId <> :run',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':dag': { S: dag.dagId }, ':running': { S: 'running' }, ':run': { S: ctx.runId } },
      Select: 'COUNT',
    }),
  );
  const activeRuns = active.Count ?? 0;
  if (activeRuns >= dag.maxActiveRuns) {
    await dynamo.send(
      new PutItemCommand({
        TableName: tables.queuedRuns,
        Item: {
          dagId: { S: dag.dagId },
          queuedAt: { S: `${now.toISOString()}#${ctx.runId}` },
          runId: { S: ctx.runId },
          input: { S: input },
        },
      }),
    );
    return { outcome: 'queued', runId: ctx.runId, activeRuns };
  }
  const name = executionName(ctx.runId);
  try {
    const started = await new SFNClient({}).send(
      new StartExecutionCommand({ stateMachineArn: dag.aliasArn, name, input }),
    );
    await dynamo
      .send(
        new PutItemCommand({
          TableName: tables.runs,
          Item: {
            dagId: { S: dag.dagId },
            runId: { S: ctx.runId },
            state: { S: 'running' },
            runType: { S: event.kind },
            logicalDate: { S: ctx.logicalDate },
            executionArn: { S: started.executionArn! },
            dagVersion: { S: dag.dagVersion },
            startedAt: { S: now.toISOString() },
          },
          ConditionExpression: 'attribute_not_exists(runId)',
        }),
      )
      .catch((error: Error) => {
        if (error.name !== 'ConditionalCheckFailedException') throw error;
      });
    return { outcome: 'started', runId: ctx.runId, executionArn: started.executionArn! };
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists') {
      return { outcome: 'duplicate', runId: ctx.runId, executionName: name };
    }
    throw error;
  }
}
