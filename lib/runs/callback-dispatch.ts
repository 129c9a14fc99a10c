import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
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
 * The task callbacks of a run's task instances whose last try ended by a timeout (the worker never answered that
 * try, so it called nothing): `onFailure` of each such failed instance whose task has it.
 */
export function workerlessTaskCallbacks(
  run: { readonly dagVersion: string; readonly executionArn: string; readonly ctx: RunContext },
  tasks: readonly TaskRecordSummary[],
  manifest: Pick<DagManifest, 'tasks'>,
): CallbackMessage[] {
  const byId = new Map(manifest.tasks.map((task) => [task.id, task]));
  return tasks.flatMap((record) => {
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
