import type { S3Client } from '@aws-sdk/client-s3';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DagManifest } from '../compiler/manifest.ts';
import type { ExecutionStatus } from '../compiler/run-states.ts';
import { type CallbackMessage, FARGATE_ENV, type RunContext } from '../compiler/worker-contract.ts';
import { dagCallbackFor, taskCallbackFor } from '../runtime/callback-decision.ts';
import { dagCallbackMessage, taskCallbackMessage } from '../runtime/callback-messages.ts';
import { readStoredManifest } from '../runtime/stored-manifest.ts';

/**
 * Callbacks the recorder starts: those of what no worker saw end. It sends each as a callback message to the
 * control queue, where the Lambda worker calls it from the bundle of the run's version (once: see
 * handleCallbackMessage). Which tasks and DAG have which callbacks is read from the version's compiled manifest,
 * so nothing is sent for a DAG without the callback, and no DAG code is loaded here.
 */
export interface CallbackDispatch {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  /** The bucket holding `artifacts/<dag>/<version>/manifest.json`. */
  readonly bucket: string;
  /** The control queue the Lambda worker reads. */
  readonly queueUrl: string;
}

/**
 * The manifest dag-sync stored for a DAG version (the one the run ran); undefined when there is none (a run of
 * a version recorded without one), which has no callbacks to send. Other errors are thrown: the recorder's
 * invocation is retried, and the worker's record keeps a resent callback from being called twice.
 */
export async function readManifest(
  dispatch: Pick<CallbackDispatch, 's3' | 'bucket'>,
  dagId: string,
  dagVersion: string,
): Promise<DagManifest | undefined> {
  return readStoredManifest(dispatch.s3, dispatch.bucket, dagId, dagVersion);
}

export async function sendCallback(dispatch: CallbackDispatch, message: CallbackMessage): Promise<void> {
  await dispatch.sqs.send(
    new SendMessageCommand({ QueueUrl: dispatch.queueUrl, MessageBody: JSON.stringify(message) }),
  );
}

/**
 * The DAG-level callback of a run that ended with `status`, sent when the DAG has it. One small function so the
 * deadline alerts (a missed deadline calls the DAG's callback too) can send theirs the same way.
 */
export async function dispatchDagCallback(
  dispatch: CallbackDispatch,
  run: {
    readonly dagVersion: string;
    readonly executionArn: string;
    readonly ctx: RunContext;
    readonly callbacks: DagManifest['callbacks'];
  },
  status: ExecutionStatus,
  failure?: { readonly error?: string | null; readonly cause?: string | null },
): Promise<CallbackMessage | undefined> {
  const call = dagCallbackFor(run.callbacks, status, failure);
  if (call === undefined) return undefined;
  const message = dagCallbackMessage(run, call);
  await sendCallback(dispatch, message);
  return message;
}

/** Error names of a try that ended without its worker: it ran out of `executionTimeout` or lost its heartbeat. */
export const WORKERLESS_ENDS: readonly string[] = ['States.Timeout', 'States.HeartbeatTimeout'];

/** A try that ended by a timeout, as the execution's history tells it. */
export interface TimedOutTry {
  readonly taskId: string;
  readonly mapIndex: number;
  readonly tryNumber: number;
  /** `States.Timeout` or `States.HeartbeatTimeout`. */
  readonly error: string;
}

/**
 * The worker tries an execution's history shows ended by a timeout: each `TaskTimedOut` event chains back
 * (`previousEventId`) to the `TaskScheduled` of its try, whose parameters are the worker message (the SQS body,
 * or a Fargate try's container environment) naming the task, the item and the retry count.
 */
export function timedOutTries(events: readonly HistoryEvent[]): TimedOutTry[] {
  const byId = new Map(events.map((event) => [event.id ?? 0, event]));
  const tries: TimedOutTry[] = [];
  for (const event of events) {
    if (event.type !== 'TaskTimedOut') continue;
    let scheduled = byId.get(event.previousEventId ?? 0);
    for (let hops = 0; scheduled !== undefined && scheduled.type !== 'TaskScheduled' && hops < 10; hops++) {
      scheduled = byId.get(scheduled.previousEventId ?? 0);
    }
    const call = workerCallOf(scheduled?.taskScheduledEventDetails?.parameters);
    if (call === undefined) continue;
    const error = event.taskTimedOutEventDetails?.error;
    tries.push({ ...call, error: error !== undefined && WORKERLESS_ENDS.includes(error) ? error : 'States.Timeout' });
  }
  return tries;
}

/** The task, item and try a worker call (SQS message body or Fargate container environment) names. */
function workerCallOf(parameters: string | undefined): Omit<TimedOutTry, 'error'> | undefined {
  const call = parseJson(parameters) as {
    MessageBody?: unknown;
    Overrides?: { ContainerOverrides?: Array<{ Environment?: Array<{ Name?: unknown; Value?: unknown }> }> };
  } | null;
  const body = (typeof call?.MessageBody === 'string' ? parseJson(call.MessageBody) : call?.MessageBody) as {
    kind?: unknown;
    taskId?: unknown;
    mapIndex?: unknown;
    retryCount?: unknown;
  } | null;
  if (typeof body?.taskId === 'string' && typeof body.retryCount === 'number') {
    return {
      taskId: body.taskId,
      mapIndex: typeof body.mapIndex === 'number' ? body.mapIndex : -1,
      tryNumber: body.retryCount + 1,
    };
  }
  const variables = new Map(
    (call?.Overrides?.ContainerOverrides ?? []).flatMap((container) =>
      (container.Environment ?? []).map((entry) => [entry.Name, entry.Value] as const),
    ),
  );
  const taskId = variables.get(FARGATE_ENV.taskId);
  const retryCount = Number(variables.get(FARGATE_ENV.retryCount));
  if (typeof taskId !== 'string' || !Number.isInteger(retryCount)) return undefined;
  const mapIndex = Number(variables.get(FARGATE_ENV.mapIndex) ?? -1);
  return { taskId, mapIndex: Number.isInteger(mapIndex) ? mapIndex : -1, tryNumber: retryCount + 1 };
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The callbacks of tries that ended by a timeout (their worker never answered, so it called nothing): `onRetry`
 * when another try followed, `onFailure` for the task's last try, each once, for a task that has it.
 */
export function timedOutTryCallbacks(
  run: { readonly dagVersion: string; readonly executionArn: string; readonly ctx: RunContext },
  tries: readonly TimedOutTry[],
  manifest: Pick<DagManifest, 'tasks'>,
): CallbackMessage[] {
  const byId = new Map(manifest.tasks.map((task) => [task.id, task]));
  const messages = new Map<string, CallbackMessage>();
  for (const timedOut of tries) {
    const task = byId.get(timedOut.taskId);
    if (task === undefined) continue;
    const call = taskCallbackFor(task, timedOut.tryNumber, { ok: false, error: timedOut.error });
    if (call === undefined) continue;
    const error = {
      name: timedOut.error,
      message:
        timedOut.error === 'States.Timeout'
          ? 'the try ran longer than its executionTimeout'
          : 'the worker sent no heartbeat within the heartbeat interval',
    };
    const message = taskCallbackMessage(
      { ...run, dagId: run.ctx.dagId, taskId: task.id, mapIndex: timedOut.mapIndex },
      timedOut.tryNumber,
      { ...call, error },
    );
    messages.set(message.id, message);
  }
  return [...messages.values()];
}
