import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DagManifest } from '../compiler/manifest.ts';
import type { ExecutionStatus } from '../compiler/run-states.ts';
import type { CallbackMessage, RunContext } from '../compiler/worker-contract.ts';
import { dagCallbackFor } from '../runtime/callback-decision.ts';
import { dagCallbackMessage, taskCallbackMessage } from '../runtime/callback-messages.ts';
import { manifestKey } from '../runtime/dag-bundle.ts';
import { type TaskRecordSummary, taskIdOf } from './run-records.ts';

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
  try {
    const object = await dispatch.s3.send(
      new GetObjectCommand({ Bucket: dispatch.bucket, Key: manifestKey(dagId, dagVersion) }),
    );
    return JSON.parse(await object.Body!.transformToString('utf-8')) as DagManifest;
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
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

/**
 * Failed task records an execution's history holds whose error is a timeout, as each task's Catch wrote them
 * (`$.tasks.<key>` in a state's output). The run's last payload is not enough: a failed run's last payload is one
 * branch's, and a timed-out task in another branch of a Parallel is only in its own branch's outputs.
 */
export function timedOutRecords(
  events: readonly HistoryEvent[],
  manifest: Pick<DagManifest, 'tasks'>,
): TaskRecordSummary[] {
  const idOf = new Map(manifest.tasks.map((task) => [task.key, task.id]));
  const found = new Map<string, TaskRecordSummary>();
  for (const event of events) {
    const output = event.stateExitedEventDetails?.output;
    if (output === undefined || !WORKERLESS_ENDS.some((name) => output.includes(name))) continue;
    const tasks = (
      JSON.parse(output) as { tasks?: Record<string, { state?: unknown; error?: { Error?: unknown } }> } | null
    )?.tasks;
    for (const [key, record] of Object.entries(tasks ?? {})) {
      const error = record?.error?.Error;
      if (record?.state !== 'failed' || typeof error !== 'string' || !WORKERLESS_ENDS.includes(error)) continue;
      const taskId = idOf.get(key) ?? key;
      found.set(key, { key, ...(taskId !== key ? { taskId } : {}), state: 'failed', error });
    }
  }
  return [...found.values()];
}

/**
 * The task callbacks of a run's task instances whose last try ended by a timeout (the worker never answered that
 * try, so it called nothing): `onFailure` of each such failed instance whose task has it, once per instance.
 */
export function workerlessTaskCallbacks(
  run: { readonly dagVersion: string; readonly executionArn: string; readonly ctx: RunContext },
  tasks: readonly TaskRecordSummary[],
  manifest: Pick<DagManifest, 'tasks'>,
): CallbackMessage[] {
  const byId = new Map(manifest.tasks.map((task) => [task.id, task]));
  const seen = new Set<string>();
  return tasks.flatMap((record) => {
    const instance = `${taskIdOf(record)}#${record.mapIndex ?? -1}`;
    if (seen.has(instance)) return [];
    seen.add(instance);
    const task = byId.get(taskIdOf(record));
    if (task === undefined || record.state !== 'failed' || !WORKERLESS_ENDS.includes(record.error ?? '')) return [];
    // The record is the task's last state: failed for good, so onFailure (the try number, when the record has
    // none, is its last: the Catch output keeps none).
    if (!task.callbacks.includes('onFailure')) return [];
    const tryNumber = record.try ?? task.retries + 1;
    const error = {
      name: record.error!,
      message:
        record.error === 'States.Timeout'
          ? 'the try ran longer than its executionTimeout'
          : 'the worker sent no heartbeat within the heartbeat interval',
    };
    return [
      taskCallbackMessage(
        { ...run, dagId: run.ctx.dagId, taskId: task.id, mapIndex: record.mapIndex ?? -1 },
        tryNumber,
        { name: 'onFailure', state: 'failed', error },
      ),
    ];
  });
}
