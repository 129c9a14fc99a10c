import type { CallbackMessage, RunContext, TaskMessage } from '../compiler/worker-contract.ts';
import type { DagCallbackCall, TaskCallbackCall } from './callback-decision.ts';

/**
 * The callback messages workers run (runCallback), built the same way wherever a callback is decided: after a
 * try by the worker that ran it, for a run or a try no worker saw end by the recorder, locally by the engine.
 * The id names the call once per run, task instance, try and callback, so its idempotence record is shared by
 * whoever sends it again.
 */

/** The callback of a try of the task `message` ran. */
export function taskCallbackMessage(
  message: Pick<TaskMessage, 'dagId' | 'dagVersion' | 'executionArn' | 'ctx' | 'taskId' | 'mapIndex'>,
  tryNumber: number,
  call: TaskCallbackCall,
): CallbackMessage {
  return {
    kind: 'callback',
    id: `${message.executionArn}#${message.taskId}#${message.mapIndex}#${tryNumber}#${call.name}`,
    dagId: message.dagId,
    dagVersion: message.dagVersion,
    executionArn: message.executionArn,
    ctx: message.ctx,
    callback: {
      of: 'task',
      name: call.name,
      state: call.state,
      taskId: message.taskId,
      mapIndex: message.mapIndex,
      tryNumber,
    },
    ...(call.error !== undefined ? { error: call.error } : {}),
  };
}

/** The DAG's deadline callback for a run that missed its deadline (one per run). */
export function deadlineCallbackMessage(
  run: { readonly dagVersion: string; readonly executionArn: string; readonly ctx: RunContext },
  deadline: string,
): CallbackMessage {
  return {
    kind: 'callback',
    id: `${run.executionArn}#deadline.callback`,
    dagId: run.ctx.dagId,
    dagVersion: run.dagVersion,
    executionArn: run.executionArn,
    ctx: run.ctx,
    callback: { of: 'deadline', name: 'deadline.callback', state: 'deadline_missed', deadline },
  };
}

/** The DAG callback of a run that ended. */
export function dagCallbackMessage(
  run: { readonly dagVersion: string; readonly executionArn: string; readonly ctx: RunContext },
  call: DagCallbackCall,
): CallbackMessage {
  return {
    kind: 'callback',
    id: `${run.executionArn}#${call.name}`,
    dagId: run.ctx.dagId,
    dagVersion: run.dagVersion,
    executionArn: run.executionArn,
    ctx: run.ctx,
    callback: { of: 'dag', name: call.name, state: call.state },
    ...(call.error !== undefined ? { error: call.error } : {}),
  };
}
