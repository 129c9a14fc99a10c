import { createHash } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { buildIr } from '../compiler/build-ir.ts';
import type { TaskIR } from '../compiler/ir.ts';
import type { TaskMessage } from '../compiler/worker-contract.ts';
import { bundleKey, loadBundle } from '../runtime/dag-bundle.ts';
import { runTaskTry } from '../runtime/task-runner.ts';
import type { Dag } from '../sdk/dag.ts';
import { type GateMessage, GateStore, type SignalMessage } from './gate-store.ts';
import { PoolTooSmallError } from './pool-slots.ts';
import { S3XComStore } from './s3-xcom-store.ts';
import { releaseAll, slotClaimsOf, takeAll } from './slot-claims.ts';

export interface WorkerDeps {
  readonly bucket: string;
  /** The table gates and signals are kept in (task instances). */
  readonly gatesTable: string;
  readonly sfn?: SFNClient;
  readonly s3?: S3Client;
  readonly dynamo?: DynamoDBClient;
  readonly log?: (line: string) => void;
  /** Pool slots (table and sizes); without it neither pools nor the DAG's maxActiveTasks are enforced. */
  readonly pools?: { readonly table: string; readonly capacities: Readonly<Record<string, number>> };
  /**
   * Hands the message back to its queue, to be delivered again in `seconds` (its pool is full). Without it the
   * caller gets `deferred` and must do so itself.
   */
  readonly defer?: (seconds: number) => Promise<void>;
}

/** How long a try whose pool is full waits before it asks again (shorter when its heartbeat needs it). */
export const POOL_RETRY_SECONDS = 10;

/** The wait before a deferred try asks for its pool again: beats its HeartbeatSeconds (one heartbeat per ask). */
export function poolRetrySeconds(heartbeatSeconds: number | undefined): number {
  if (heartbeatSeconds === undefined) return POOL_RETRY_SECONDS;
  return Math.max(1, Math.min(POOL_RETRY_SECONDS, Math.floor(heartbeatSeconds / 3)));
}

/** Errors that mean the token was already answered or gave up: a redelivered message must not fail again. */
const ALREADY_ANSWERED = /TaskTimedOut|InvalidToken|TaskDoesNotExist/;

/**
 * One message from a task queue or the control queue, as the Lambda (or Fargate) worker handles it: a task try
 * runs the DAG version the message names with the shared runner (XCom values on S3, heartbeats while it runs) and
 * answers its token; gate and signal messages go to the gate store. A redelivered message whose try was already
 * answered is skipped before it runs (a record per answered token); one whose worker died before answering runs
 * again, and its answer is the first.
 */
export async function handleWorkerMessage(
  body: TaskMessage | GateMessage | SignalMessage,
  deps: WorkerDeps,
): Promise<'answered' | 'already-answered' | 'duplicate' | 'gate' | 'deferred'> {
  const sfn = deps.sfn ?? new SFNClient({});
  const s3 = deps.s3 ?? new S3Client({});
  const answer = async (send: () => Promise<unknown>) => {
    try {
      await send();
      return 'answered' as const;
    } catch (error) {
      if (ALREADY_ANSWERED.test((error as Error).name)) return 'already-answered' as const;
      throw error;
    }
  };
  if (body.kind === 'gate' || body.kind === 'signal') {
    const store = new GateStore(deps.dynamo ?? new DynamoDBClient({}), deps.gatesTable, async (token, records) => {
      await answer(() => sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(records) })));
    });
    await store.handle(body);
    return 'gate';
  }
  const message = body;
  const dynamo = deps.dynamo ?? new DynamoDBClient({});
  const answered = answeredKey(message);
  const seen = await dynamo.send(
    new GetItemCommand({ TableName: deps.gatesTable, Key: answered, ConsistentRead: true }),
  );
  // A redelivered message of a try that was already answered: do not run the task a second time.
  if (seen.Item !== undefined) return 'duplicate';
  const dag = await dagOf(message, s3, deps.bucket);
  const { heartbeatSeconds, pool, maxActiveTasks } = compiledTask(dag, message.taskId);
  const claims =
    deps.pools !== undefined
      ? slotClaimsOf(
          { dagId: message.dagId, maxActiveTasks, ...(pool !== undefined ? { pool } : {}) },
          { dynamo, name: deps.pools.table, poolSizes: deps.pools.capacities },
        )
      : [];
  const holder = {
    executionArn: message.executionArn,
    taskId: message.taskId,
    mapIndex: message.mapIndex,
    tryNumber: message.retryCount + 1,
  };
  let taken: boolean;
  try {
    taken = await takeAll(claims, holder);
  } catch (error) {
    if (!(error instanceof PoolTooSmallError)) throw error;
    // It could never run: fail the try now rather than let it wait for a slot forever.
    const result = await answer(() =>
      sfn.send(
        new SendTaskFailureCommand({ taskToken: message.token, error: 'NonRetryableError', cause: error.message }),
      ),
    );
    await rememberAnswered(dynamo, deps.gatesTable, answered);
    return result;
  }
  if (!taken) {
    // Its DAG's maxActiveTasks or its pool is full: keep the try alive (a try that gave up meanwhile is dropped)
    // and ask again shortly.
    const alive = await answer(() => sfn.send(new SendTaskHeartbeatCommand({ taskToken: message.token })));
    if (alive === 'already-answered') return 'already-answered';
    await deps.defer?.(poolRetrySeconds(heartbeatSeconds));
    return 'deferred';
  }
  try {
    return await runAndAnswer(message, dag, heartbeatSeconds, { sfn, s3, dynamo, answered, answer, deps });
  } finally {
    await releaseAll(claims, holder);
  }
}

async function runAndAnswer(
  message: TaskMessage,
  dag: Dag,
  heartbeatSeconds: number | undefined,
  io: {
    sfn: SFNClient;
    s3: S3Client;
    dynamo: DynamoDBClient;
    answered: ReturnType<typeof answeredKey>;
    answer: (send: () => Promise<unknown>) => Promise<'answered' | 'already-answered'>;
    deps: WorkerDeps;
  },
): Promise<'answered' | 'already-answered'> {
  const { sfn, s3, dynamo, answered, answer, deps } = io;
  const outcome = await runTaskTry(dag, message, {
    ...(deps.log !== undefined ? { log: deps.log } : {}),
    xcom: { store: new S3XComStore(s3, deps.bucket) },
    ...(heartbeatSeconds !== undefined
      ? {
          heartbeat: {
            everyMs: (heartbeatSeconds * 1000) / 3,
            send: () => sfn.send(new SendTaskHeartbeatCommand({ taskToken: message.token })),
          },
        }
      : {}),
  });
  const result = await (outcome.ok
    ? answer(() =>
        sfn.send(new SendTaskSuccessCommand({ taskToken: message.token, output: JSON.stringify(outcome.result) })),
      )
    : answer(() =>
        sfn.send(
          new SendTaskFailureCommand({
            taskToken: message.token,
            error: outcome.error,
            cause: outcome.cause.slice(0, 32_768),
          }),
        ),
      ));
  await rememberAnswered(dynamo, deps.gatesTable, answered);
  return result;
}

async function rememberAnswered(
  dynamo: DynamoDBClient,
  table: string,
  answered: ReturnType<typeof answeredKey>,
): Promise<void> {
  await dynamo.send(
    new PutItemCommand({ TableName: table, Item: { ...answered, at: { S: new Date().toISOString() } } }),
  );
}

/** The record a worker leaves once a try is answered: `tokens#<execution>`, hash of the token and try. */
function answeredKey(message: TaskMessage) {
  return {
    runKey: { S: `tokens#${message.executionArn}` },
    // The try number too: AWS gives every try its own token, but an emulator may reuse one across retries.
    taskKey: { S: createHash('sha256').update(`${message.token}#${message.retryCount}`).digest('hex') },
  };
}

async function dagOf(message: TaskMessage, s3: S3Client, bucket: string): Promise<Dag> {
  const dags = await loadBundle(message.dagId, message.dagVersion, async () => {
    const object = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: bundleKey(message.dagId, message.dagVersion) }),
    );
    return object.Body!.transformToString('utf-8');
  });
  const dag = dags.find((candidate) => candidate.id === message.dagId);
  if (dag === undefined)
    throw new Error(`bundle ${message.dagId}@${message.dagVersion} holds no DAG '${message.dagId}'`);
  return dag;
}

type CompiledTask = Pick<TaskIR, 'heartbeatSeconds' | 'pool'> & { readonly maxActiveTasks: number };
const compiledDags = new WeakMap<Dag, { tasks: Map<string, TaskIR>; maxActiveTasks: number }>();

/**
 * The task's HeartbeatSeconds and pool, and its DAG's maxActiveTasks, as compiled (the same defaults as the
 * state machine's); the DAG is compiled once per bundle.
 */
function compiledTask(dag: Dag, taskId: string): CompiledTask {
  let compiled = compiledDags.get(dag);
  if (compiled === undefined) {
    const { ir } = buildIr(dag);
    compiled = { tasks: new Map(ir.tasks.map((task) => [task.id, task])), maxActiveTasks: ir.maxActiveTasks };
    compiledDags.set(dag, compiled);
  }
  const task = compiled.tasks.get(taskId);
  return {
    ...(task?.heartbeatSeconds !== undefined ? { heartbeatSeconds: task.heartbeatSeconds } : {}),
    ...(task?.pool !== undefined ? { pool: task.pool } : {}),
    maxActiveTasks: compiled.maxActiveTasks,
  };
}
