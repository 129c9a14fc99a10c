import type { CallbackMessage, TaskMessage } from '../compiler/worker-contract.ts';
import { tryNumberOf } from '../runtime/kept-task.ts';
import type { TaskLogTags } from '../stack-contract/task-log-line.ts';

/**
 * The fields the worker adds to every log line of a message (lib/stack-contract/task-log-line.ts): a task or poke
 * try's, and a task callback's (so `onFailure`'s lines are in the log of the try it was called for); a DAG
 * callback has no task, so its lines carry the run only; gates and signals carry what they have.
 */
export function taskLogTagsOf(body: unknown): TaskLogTags | Partial<TaskLogTags> {
  if (typeof body !== 'object' || body === null) return {};
  const message = body as Partial<TaskMessage> | Partial<CallbackMessage>;
  const runId = message.ctx?.runId;
  if (message.kind === 'task' || message.kind === 'poke') {
    const task = message as TaskMessage;
    return {
      dagId: task.dagId,
      runId: task.ctx.runId,
      taskId: task.taskId,
      mapIndex: task.mapIndex,
      // A cleared run's tries go on after its earlier executions' (`airstep logs --try 3`).
      tryNumber: tryNumberOf(task),
    };
  }
  if (message.kind === 'callback') {
    const { callback, dagId } = message as CallbackMessage;
    return callback.of === 'task'
      ? { dagId, runId: runId!, taskId: callback.taskId, mapIndex: callback.mapIndex, tryNumber: callback.tryNumber }
      : { dagId, runId: runId! };
  }
  const { dagId, taskId } = body as { dagId?: unknown; taskId?: unknown };
  return {
    ...(typeof dagId === 'string' ? { dagId } : {}),
    ...(typeof taskId === 'string' ? { taskId } : {}),
  };
}
