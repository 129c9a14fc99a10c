import {
  type ItemsLocation,
  instanceKey,
  type TaskMessage,
  type TaskOutcome,
  WORKER_ERROR,
  type WorkerTask,
} from '../compiler/worker-contract.ts';
import { emptyOutletExtra } from './outlet-extras.ts';
import { isXComRef } from './xcom.ts';

/**
 * The keep decision of a cleared run, one for every worker (Lambda, Fargate, the local engine): a message for a
 * task instance the clear kept is answered at once with what it answered before (its output, or the skip with its
 * reason), so the state machine writes the same record and takes the same paths without running the code again.
 * Undefined: run the try.
 */
export function keptOutcome(
  message: TaskMessage,
  /**
   * Where the worker's XCom store keeps a value, as S3 names it: a kept result that is an XCom reference is
   * answered with it too (`items`), so a distributed mapping over a kept list task reads the list it wrote (for
   * other tasks the record ignores it).
   */
  locate?: (uri: string) => ItemsLocation,
  /**
   * The task's compiled facts: a task whose outlets state reads `outletExtra` gets `{}` each (the kept instance's
   * events were recorded by the execution that ran it; their ids are the same, so nothing new is recorded).
   */
  task?: Pick<WorkerTask, 'kind' | 'mapped' | 'outlets'>,
): TaskOutcome | undefined {
  if (message.kind !== 'task') return undefined;
  const kept = message.ctx.clear?.kept[instanceKey(message.taskId, message.mapIndex)];
  if (kept === undefined) return undefined;
  if (kept.state === 'success') {
    const items =
      isXComRef(kept.output) && locate !== undefined ? locatedOrNone(locate, kept.output.xcomRef) : undefined;
    return {
      ok: true,
      result: {
        output: kept.output,
        try: kept.try,
        ...(items !== undefined ? { items } : {}),
        ...emptyOutletExtra(task),
      },
    };
  }
  if (kept.state === 'skipped') return { ok: false, error: WORKER_ERROR.skip, cause: kept.reason, try: kept.try };
  // Not retryable: the kept failure must not take the task's retries (each would be answered the same).
  return { ok: false, error: WORKER_ERROR.nonRetryable, cause: `kept by airstep clear: ${kept.error}`, try: kept.try };
}

/** Whether the message is for an instance a cleared run kept (its worker answers without running it). */
export function isKeptInstance(message: TaskMessage): boolean {
  return (
    message.kind === 'task' && message.ctx.clear?.kept[instanceKey(message.taskId, message.mapIndex)] !== undefined
  );
}

/**
 * The try number of a message: `$$.State.RetryCount + 1` in this execution, after the tries a cleared instance
 * made in the executions before it.
 */
export function tryNumberOf(message: Pick<TaskMessage, 'ctx' | 'taskId' | 'mapIndex' | 'retryCount'>): number {
  const prior = message.ctx.clear?.priorTries[instanceKey(message.taskId, message.mapIndex)] ?? 0;
  return prior + message.retryCount + 1;
}

/** A reference in another store (a run cleared after a change of stack, say) has no place here: no `items`. */
function locatedOrNone(locate: (uri: string) => ItemsLocation, uri: string): ItemsLocation | undefined {
  try {
    return locate(uri);
  } catch {
    return undefined;
  }
}
