import { createHash } from 'node:crypto';
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { STSClient } from '@aws-sdk/client-sts';
import type { DagManifest } from '../compiler/manifest.ts';
import {
  type CallbackMessage,
  RELEASE_KIND,
  type TaskMessage,
  WORKER_ERROR,
  type WorkerTask,
  workerTasksOf,
} from '../compiler/worker-contract.ts';
import { taskCallbackFor } from '../runtime/callback-decision.ts';
import { taskCallbackMessage } from '../runtime/callback-messages.ts';
import { bundleKey, DagNotInBundleError, loadBundle, ManifestMissingError } from '../runtime/dag-bundle.ts';
import { isKeptInstance, keptOutcome, tryNumberOf } from '../runtime/kept-task.ts';
import { outletExtraCount } from '../runtime/outlet-extras.ts';
import { errorLogText } from '../runtime/readable-error.ts';
import { runCallback } from '../runtime/run-callback.ts';
import type { SecretSource } from '../runtime/secret-source.ts';
import { readStoredManifest } from '../runtime/stored-manifest.ts';
import { runTaskTry } from '../runtime/task-runner.ts';
import type { Dag } from '../sdk/dag.ts';
import { type GateMessage, GateStore, type ReleaseMessage, type SignalMessage } from './gate-store.ts';
import { PoolTooSmallError } from './pool-slots.ts';
import { assumeRunAs, RunAsError } from './run-as.ts';
import { S3XComStore } from './s3-xcom-store.ts';
import { releaseAll, slotClaimsOf, takeAll, withdrawAll } from './slot-claims.ts';
import { type AnswerShape, endedTryState, recordTry, type TryRecordChange, tryOf } from './try-records.ts';

/** What the worker works with; the clients are made once per Lambda container (or Fargate task) by the caller. */
export interface WorkerDeps {
  readonly bucket: string;
  /** The table gates and signals are kept in (task instances). */
  readonly gatesTable: string;
  readonly sfn: SFNClient;
  readonly s3: S3Client;
  readonly dynamo: DynamoDBClient;
  /** Assumes a task's `runAs` role for each of its tries; without it such a try fails. */
  readonly sts?: STSClient;
  readonly log?: (line: string) => void;
  /** Pool slots (table and sizes); without it neither pools nor the DAG's maxActiveTasks are enforced. */
  readonly pools?: { readonly table: string; readonly capacities: Readonly<Record<string, number>> };
  /**
   * Hands the message back to its queue, to be delivered again in `seconds` (its pool is full). Without it the
   * caller gets `deferred` and must do so itself.
   */
  readonly defer?: (seconds: number) => Promise<void>;
  /** A callback's time limit (milliseconds). @default CALLBACK_TIME_LIMIT_MS */
  readonly callbackTimeLimitMs?: number;
  /**
   * Waits in place for a try's slots instead of handing its message back: the Fargate worker, whose container is
   * the try (there is no message to hand back). Called with the milliseconds to wait before asking again; the
   * try heartbeats before each wait, so its token stays alive. Takes precedence over `defer`.
   */
  readonly waitForSlots?: (ms: number) => Promise<void>;
  /** Where the try runs, for its live record: the Lambda log stream, or the Fargate task. */
  readonly host?: string;
  /** Where `ctx.variable` / `ctx.connection` read (lib/worker/cloud-secrets.ts). @default the environment only */
  readonly secrets?: readonly SecretSource[];
}

/** How long a try whose pool is full waits before it asks again (shorter when its heartbeat needs it). */
export const POOL_RETRY_SECONDS = 10;

/** The wait before a deferred try asks for its pool again: beats its HeartbeatSeconds (one heartbeat per ask). */
export function poolRetrySeconds(heartbeatSeconds: number | undefined): number {
  if (heartbeatSeconds === undefined) return POOL_RETRY_SECONDS;
  return Math.max(1, Math.min(POOL_RETRY_SECONDS, Math.floor(heartbeatSeconds / 3)));
}

/**
 * How long a try waiting in place (the Fargate worker) waits before its `round`-th ask: 1 s, doubling, never more
 * than `poolRetrySeconds` (so a wait never outlasts a third of its HeartbeatSeconds).
 */
export function slotWaitMs(round: number, heartbeatSeconds: number | undefined): number {
  return Math.min(2 ** Math.min(round, 10), poolRetrySeconds(heartbeatSeconds)) * 1000;
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
  body: TaskMessage | GateMessage | SignalMessage | ReleaseMessage | CallbackMessage,
  deps: WorkerDeps,
): Promise<'answered' | 'already-answered' | 'duplicate' | 'gate' | 'deferred' | 'callback'> {
  const { sfn, s3, dynamo } = deps;
  const answer = async (send: () => Promise<unknown>) => {
    try {
      await send();
      return 'answered' as const;
    } catch (error) {
      if (ALREADY_ANSWERED.test((error as Error).name)) return 'already-answered' as const;
      throw error;
    }
  };
  if (body.kind === 'gate' || body.kind === 'signal' || body.kind === RELEASE_KIND) {
    const store = new GateStore(dynamo, deps.gatesTable, async (token, records) => {
      await answer(() => sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(records) })));
    });
    await store.handle(body);
    return 'gate';
  }
  if (body.kind === 'callback') return handleCallbackMessage(body, deps);
  const message = body;
  const answered = answeredKey(message);
  const seen = await dynamo.send(
    new GetItemCommand({ TableName: deps.gatesTable, Key: answered, ConsistentRead: true }),
  );
  // A redelivered message of a try that was already answered: do not run the task a second time.
  if (seen.Item !== undefined) return 'duplicate';
  // A kept instance answers as its task's state reads it (outlet extras): its task's facts come with the version.
  const keptTask = isKeptInstance(message)
    ? (await dagVersionOf(message, s3, deps.bucket)).tasks.get(message.taskId)
    : undefined;
  const kept = keptOutcome(message, (uri) => new S3XComStore(deps.s3, deps.bucket).locate(uri), keptTask);
  if (kept !== undefined) {
    // A cleared run's kept instance (lib/runtime/kept-task.ts): answered at once with its recorded result, as
    // the local worker pool does: no slot, no try, no live record (the recorder writes the kept one), no callback.
    const result = await answer(() =>
      kept.ok
        ? sfn.send(new SendTaskSuccessCommand({ taskToken: message.token, output: JSON.stringify(kept.result) }))
        : sfn.send(new SendTaskFailureCommand({ taskToken: message.token, error: kept.error, cause: kept.cause })),
    );
    await rememberAnswered(dynamo, deps.gatesTable, answered);
    return result;
  }
  const { dag, tasks, maxActiveTasks } = await dagVersionOf(message, s3, deps.bucket);
  const task = tasks.get(message.taskId);
  const heartbeatSeconds = task?.heartbeatSeconds;
  const claims =
    deps.pools !== undefined
      ? slotClaimsOf(
          { dagId: message.dagId, maxActiveTasks, ...(task?.pool !== undefined ? { pool: task.pool } : {}) },
          { dynamo, name: deps.pools.table, poolSizes: deps.pools.capacities },
        )
      : [];
  const holder = {
    executionArn: message.executionArn,
    taskId: message.taskId,
    mapIndex: message.mapIndex,
    tryNumber: tryNumberOf(message),
  };
  // Waiting tries are served by their effective priority weight (the manifest's), then arrival.
  const priority = task?.priorityWeight ?? 1;
  // Each try's live record (lib/worker/try-records.ts): queued while it waits for a slot, running, then its end.
  const live = (change: Omit<TryRecordChange, 'at' | 'host'>) =>
    recordTry(dynamo, deps.gatesTable, tryOf(message), { ...change, at: new Date(), ...hostOf(deps) }, deps.log);
  let taken: boolean;
  try {
    taken = await takeAll(claims, holder, priority);
  } catch (error) {
    if (!(error instanceof PoolTooSmallError)) throw error;
    // It could never run: fail the try now rather than let it wait for a slot forever.
    const result = await answer(() =>
      sfn.send(
        new SendTaskFailureCommand({
          taskToken: message.token,
          error: WORKER_ERROR.nonRetryable,
          cause: error.message,
        }),
      ),
    );
    await rememberAnswered(dynamo, deps.gatesTable, answered);
    if (result === 'answered') await live({ phase: 'ended', state: 'failed', error: WORKER_ERROR.nonRetryable });
    // Failed for good, as a try that threw NonRetryableError: its onFailure.
    const outcome = { ok: false, error: WORKER_ERROR.nonRetryable, cause: error.message } as const;
    const call =
      result === 'answered' && task !== undefined ? taskCallbackFor(task, message.retryCount + 1, outcome) : undefined;
    if (call !== undefined) {
      await runCallback(dag, taskCallbackMessage(message, tryNumberOf(message), call), callbackOptions(deps));
    }
    return result;
  }
  if (!taken)
    await live({
      phase: 'queued',
      state: 'queued',
      answer: answerShapeOf(message, task),
      outletExtras: outletExtraCount(message, task),
    });
  for (let round = 0; !taken; round++) {
    // Its DAG's maxActiveTasks or its pool is full: keep the try alive (a try that gave up meanwhile, by its
    // timeout or a stopped run, is dropped) and ask again shortly.
    const alive = await answer(() => sfn.send(new SendTaskHeartbeatCommand({ taskToken: message.token })));
    if (alive === 'already-answered') {
      // It will never ask again: leave the queue now rather than block others until its lease runs out.
      await withdrawAll(claims, holder);
      return 'already-answered';
    }
    if (deps.waitForSlots === undefined) {
      await deps.defer?.(poolRetrySeconds(heartbeatSeconds));
      return 'deferred';
    }
    await deps.waitForSlots(slotWaitMs(round, heartbeatSeconds));
    taken = await takeAll(claims, holder, priority);
  }
  await live({
    phase: 'running',
    state: 'running',
    answer: answerShapeOf(message, task),
    outletExtras: outletExtraCount(message, task),
  });
  let ended: Awaited<ReturnType<typeof runAndAnswer>>;
  try {
    ended = await runAndAnswer(message, dag, task, { sfn, s3, dynamo, answered, answer, deps });
  } finally {
    await releaseAll(claims, holder);
  }
  // Only an answer that counted is this try's end: a token answered meanwhile (`airstep mark`, a timeout) has
  // its record written by whoever ended it.
  if (ended.result === 'answered') {
    const { outcome } = ended;
    await live({
      phase: 'ended',
      state: endedTryState(outcome, message.retryCount + 1, task?.retries ?? 0),
      ...(!outcome.ok ? { error: outcome.error } : {}),
    });
  }
  // After the answer (the state is recorded) and with the slots given back (a callback holds no pool slot): the
  // try's own callback, here, in the DAG's code.
  if (ended.callback !== undefined) await runCallback(dag, ended.callback, callbackOptions(deps));
  return ended.result;
}

async function runAndAnswer(
  message: TaskMessage,
  dag: Dag,
  task: WorkerTask | undefined,
  io: {
    sfn: SFNClient;
    s3: S3Client;
    dynamo: DynamoDBClient;
    answered: ReturnType<typeof answeredKey>;
    answer: (send: () => Promise<unknown>) => Promise<'answered' | 'already-answered'>;
    deps: WorkerDeps;
  },
): Promise<{
  result: 'answered' | 'already-answered';
  outcome: Awaited<ReturnType<typeof runTaskTry>>;
  callback?: CallbackMessage;
}> {
  const { sfn, s3, dynamo, answered, answer, deps } = io;
  const heartbeatSeconds = task?.heartbeatSeconds;
  const outcome = await runTaskTry(dag, task, message, {
    ...(deps.log !== undefined ? { log: deps.log } : {}),
    ...(deps.secrets !== undefined ? { secrets: deps.secrets } : {}),
    xcom: { store: new S3XComStore(s3, deps.bucket) },
    assumeRole: async (roleArn) => {
      if (deps.sts === undefined) throw new RunAsError(roleArn, 'this worker has no STS client');
      return assumeRunAs(deps.sts, roleArn, { dagId: message.dagId, taskId: message.taskId, runId: message.ctx.runId });
    },
    ...(heartbeatSeconds !== undefined
      ? {
          heartbeat: {
            everyMs: (heartbeatSeconds * 1000) / 3,
            send: () => sfn.send(new SendTaskHeartbeatCommand({ taskToken: message.token })),
          },
        }
      : {}),
  });
  // The try's error ends its log, as the local engine's does (`airstep logs` shows why it failed).
  if (!outcome.ok) deps.log?.(errorLogText(outcome.error, outcome.cause));
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
  // The callback this try's end calls. A try whose token had given up (it timed out, lost its heartbeat) is not
  // the one that ended: the recorder sends its callback. Whether the try was the last is counted in this
  // execution (a cleared task gets its retries again); the try number goes on after a clear's earlier tries.
  const call =
    result === 'answered' && task !== undefined ? taskCallbackFor(task, message.retryCount + 1, outcome) : undefined;
  return {
    result,
    outcome,
    ...(call !== undefined ? { callback: taskCallbackMessage(message, tryNumberOf(message), call) } : {}),
  };
}

/**
 * A callback message (the recorder's, for a run that ended or a try no worker saw end): calls it from the bundle
 * of the run's version, once. The record is written after the call ended (well or not), so a redelivery of a
 * message whose call finished calls nothing; one whose worker died mid-call calls it again.
 */
async function handleCallbackMessage(message: CallbackMessage, deps: WorkerDeps): Promise<'callback' | 'duplicate'> {
  const key = {
    runKey: { S: `callbacks#${message.executionArn}` },
    taskKey: { S: createHash('sha256').update(message.id).digest('hex') },
  };
  const seen = await deps.dynamo.send(
    new GetItemCommand({ TableName: deps.gatesTable, Key: key, ConsistentRead: true }),
  );
  if (seen.Item !== undefined) return 'duplicate';
  const { dag } = await dagVersionOf(message, deps.s3, deps.bucket);
  const result = await runCallback(dag, message, callbackOptions(deps));
  await deps.dynamo.send(
    new PutItemCommand({
      TableName: deps.gatesTable,
      Item: { ...key, callback: { S: message.id }, status: { S: result.status }, at: { S: new Date().toISOString() } },
    }),
  );
  return 'callback';
}

const hostOf = (deps: WorkerDeps) => (deps.host !== undefined ? { host: deps.host } : {});

/** What the state machine reads from this try's answer: `airstep mark success` answers in the same shape. */
function answerShapeOf(message: TaskMessage, task: WorkerTask | undefined): AnswerShape {
  if (message.kind === 'poke') return 'poke';
  return task?.role === 'branch' ? 'branch' : task?.role === 'short_circuit' ? 'short_circuit' : 'plain';
}

function callbackOptions(deps: WorkerDeps) {
  return {
    ...(deps.log !== undefined ? { log: deps.log } : {}),
    ...(deps.callbackTimeLimitMs !== undefined ? { timeLimitMs: deps.callbackTimeLimitMs } : {}),
    ...(deps.secrets !== undefined ? { secrets: deps.secrets } : {}),
  };
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

/** A DAG version as workers run it: the DAG module (for its code) and its compiled manifest's task facts. */
interface DagVersion {
  readonly dag: Dag;
  readonly tasks: ReadonlyMap<string, WorkerTask>;
  readonly maxActiveTasks: number;
}

/** Each stored manifest's task facts, worked out once (the manifest itself is kept by readStoredManifest). */
const taskFacts = new WeakMap<DagManifest, ReadonlyMap<string, WorkerTask>>();

/** The bundle and the manifest dag-sync stored for the message's DAG version, each read once per container. */
async function dagVersionOf(
  message: Pick<TaskMessage, 'dagId' | 'dagVersion'>,
  s3: S3Client,
  bucket: string,
): Promise<DagVersion> {
  const read = async (key: string) =>
    (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString('utf-8');
  const [dags, manifest] = await Promise.all([
    loadBundle(message.dagId, message.dagVersion, () => read(bundleKey(message.dagId, message.dagVersion))),
    readStoredManifest(s3, bucket, message.dagId, message.dagVersion),
  ]);
  if (manifest === undefined) throw new ManifestMissingError(message.dagId, message.dagVersion);
  let tasks = taskFacts.get(manifest);
  if (tasks === undefined) {
    tasks = workerTasksOf(manifest);
    taskFacts.set(manifest, tasks);
  }
  const maxActiveTasks = manifest.maxActiveTasks;
  const dag = dags.find((candidate) => candidate.id === message.dagId);
  if (dag === undefined) throw new DagNotInBundleError(message.dagId, message.dagVersion);
  return { dag, tasks, maxActiveTasks };
}
