import { fillPlaceholders } from '../compiler/fill-placeholders.ts';
import type { DagManifest } from '../compiler/manifest.ts';
import {
  type CallbackMessage,
  FARGATE_ENV,
  RELEASE_KIND,
  type TaskMessage,
  type TaskOutcome,
  WORKER_ERROR,
  type WorkerTask,
} from '../compiler/worker-contract.ts';
import { taskCallbackFor } from '../runtime/callback-decision.ts';
import { taskCallbackMessage } from '../runtime/callback-messages.ts';
import { taskMessageFromEnvironment } from '../runtime/fargate-task-environment.ts';
import { keptOutcome, tryNumberOf } from '../runtime/kept-task.ts';
import { runTaskTry } from '../runtime/task-runner.ts';
import type { XComStore } from '../runtime/xcom.ts';
import type { Dag } from '../sdk/dag.ts';
import { localChildMachineArns } from './child-machines.ts';
import { containerTaskMessage } from './container-tasks.ts';
import { LOCAL_CROSS_DAG } from './cross-dag-resources.ts';
import type { GateCoordinator } from './gate-coordinator.ts';
import type { TaskCall, TaskResources } from './interpreter.ts';
import { localSecretSources } from './local-secrets.ts';
import { LOCAL_XCOM_BUCKET } from './local-xcom-store.ts';
import { StatesError } from './states-error.ts';
import { isLocalTaskInstanceWrite, UPDATE_ITEM_ANSWER } from './task-instance-writes.ts';
import type { TaskTokens } from './task-tokens.ts';
import type { TryHooks, TryRunner } from './worker-pool.ts';

/** Placeholder values the local engine deploys a compiled definition with. */
export const LOCAL_CONTROL_QUEUE = 'local://airstep/control';
export const localTaskQueue = (queue: string) => `local://airstep/queue/${queue}`;
/** The asset bus a local run's outlet states name: the local engine records outlets itself (outlet-events.ts). */
export const LOCAL_ASSET_EVENT_BUS = 'local://airstep/asset-events';

/** Fills `${Placeholders}` in compiled ASL the way the local engine runs it: local queues, no AWS resources. */
export function substituteLocal(asl: string, manifest: DagManifest): string {
  return fillPlaceholders(asl, {
    dagVersion: 'local',
    controlQueueUrl: LOCAL_CONTROL_QUEUE,
    taskQueueUrls: Object.fromEntries(manifest.queues.map((queue) => [queue, localTaskQueue(queue)])),
    ecsClusterArn: 'local-EcsClusterArn',
    workerTaskDefinition: 'local-WorkerTaskDefinition',
    subnetIds: 'local',
    securityGroupIds: 'local',
    assignPublicIp: 'local-AssignPublicIp',
    ...LOCAL_CROSS_DAG,
    xcomBucket: LOCAL_XCOM_BUCKET,
    childMachineArns: localChildMachineArns(manifest),
    assetEventBusName: LOCAL_ASSET_EVENT_BUS,
    containerTaskDefinitions: Object.fromEntries(
      manifest.compute.containers.map((container) => [
        container.taskKey,
        `local-ContainerTaskDefinition_${container.taskKey}`,
      ]),
    ),
  });
}

/** A native step run where no AWS or emulator is configured: the step fails, saying what to set. */
export function noServiceEndpoint(call: Pick<TaskCall, 'stateName' | 'resource'>): StatesError {
  return new StatesError(
    'Airstep.NoServiceEndpoint',
    `state ${call.stateName} calls ${call.resource}, which needs AWS: set AWS_ENDPOINT_URL to an emulator (for example MiniStack) or AWS credentials, or leave out --no-emulator so the CLI starts its own`,
  );
}

export interface WorkerTry {
  readonly taskId: string;
  readonly mapIndex: number;
  readonly tryNumber: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly outcome: TaskOutcome;
  readonly logs: readonly string[];
}

/**
 * Task resources for a compiled DAG run locally: worker messages run the task function in-process with the
 * shared task runner; control messages go to the gate coordinator; native steps go to `native` (the real
 * service or an emulator), which says clearly when none is configured.
 */
export class DagResources implements TaskResources {
  constructor(
    private readonly dag: Dag,
    /** Each task's compiled facts (the manifest's), by task id. */
    private readonly tasks: ReadonlyMap<string, WorkerTask>,
    private readonly tokens: TaskTokens,
    private readonly gates: GateCoordinator,
    private readonly now: () => number,
    private readonly onTry: (attempt: WorkerTry) => void,
    private readonly native?: TaskResources,
    /** Where tries run: in this process by default, or in worker processes (ProcessWorkerPool). */
    private readonly runTry: TryRunner = async (message, hooks) => {
      const logs: string[] = [];
      const outcome = await runTaskTry(this.dag, hooks.task, message, {
        log: (line) => {
          logs.push(line);
          hooks.onLog?.([line]);
        },
        secrets: localSecretSources(),
        ...(this.xcom !== undefined ? { xcom: { store: this.xcom } } : {}),
        ...(hooks.heartbeatEveryMs !== undefined
          ? { heartbeat: { everyMs: hooks.heartbeatEveryMs, send: hooks.onHeartbeat } }
          : {}),
      });
      return { outcome, logs };
    },
    /** Real milliseconds between heartbeats of a task's tries (its HeartbeatSeconds, scaled by the clock). */
    private readonly heartbeatEveryMs: (taskId: string) => number | undefined = () => undefined,
    private readonly xcom?: XComStore,
    /** DAG and pool slots a try takes before it runs (none: no limit). */
    private readonly slots?: (taskId: string) => Promise<() => void>,
    /** Where a try's callback goes once its end is answered (or its time ran out); none: callbacks are not run. */
    private readonly onCallback?: (message: CallbackMessage) => void,
    /**
     * A try waits for its DAG and pool slots (`queued`), then runs (`running`, once it has them): the task's state
     * and start say which, so a start never includes the wait for a slot.
     */
    private readonly onTryPhase?: (message: TaskMessage, phase: 'queued' | 'running', at: number) => void,
    /** Lines a running try logged, as they come (before its end gives all of them to `onTry`). */
    private readonly onTryLog?: (message: TaskMessage, lines: readonly string[]) => void,
  ) {}

  async invoke(call: TaskCall): Promise<unknown> {
    const parameters = call.parameters as Record<string, unknown>;
    if (
      call.resource === 'arn:aws:states:::sqs:sendMessage.waitForTaskToken' ||
      call.resource === 'arn:aws:states:::sqs:sendMessage'
    ) {
      if (parameters.QueueUrl === LOCAL_CONTROL_QUEUE)
        return this.control(call, parameters.MessageBody as Record<string, unknown>);
      if (typeof parameters.QueueUrl === 'string' && parameters.QueueUrl.startsWith('local://airstep/queue/')) {
        this.work(call.token!, parameters.MessageBody as TaskMessage, call);
        return undefined;
      }
    }
    // A task's outlet state: the local engine already recorded the events as the task succeeded, once.
    if (isLocalOutletsCall(call)) return { Entries: [], FailedEntryCount: 0 };
    // A no-worker task's record: the local engine already recorded it as the task ended (task-instance-writes.ts).
    if (isLocalTaskInstanceWrite(call)) return UPDATE_ITEM_ANSWER;
    if (call.resource === 'arn:aws:states:::ecs:runTask.waitForTaskToken') {
      // Fargate code tasks run the same function; locally they run in the same worker pool.
      const environment = Object.fromEntries(
        (
          (
            parameters.Overrides as {
              ContainerOverrides: Array<{ Environment: Array<{ Name: string; Value: string }> }>;
            }
          ).ContainerOverrides[0]?.Environment ?? []
        ).map((entry) => [entry.Name, entry.Value]),
      );
      const task = this.tasks.get(environment[FARGATE_ENV.taskId] ?? '');
      // A library caller that skipped localRunProblems: fail the try at once, saying why and what to do.
      if (task?.kind === 'container') {
        throw new StatesError(WORKER_ERROR.nonRetryable, containerTaskMessage(this.dag.id));
      }
      // The token travels in the environment too; the local engine's own is the one it waits on.
      this.work(call.token!, { ...taskMessageFromEnvironment(environment), token: call.token! }, call);
      return undefined;
    }
    if (this.native === undefined) {
      throw noServiceEndpoint(call);
    }
    return this.native.invoke(call);
  }

  private control(call: TaskCall, message: Record<string, unknown>): undefined {
    if (message.kind === 'signal') {
      this.gates.signal(message.executionArn as string, message.taskId as string, message.record);
    } else if (message.kind === RELEASE_KIND) {
      this.gates.signalUnsignalled(message.executionArn as string, message.taskIds as string[], message.record);
    } else if (message.kind === 'gate') {
      const token = call.token!;
      this.gates.gate(
        message.executionArn as string,
        message.waitFor as string[],
        (records) => {
          if (this.tokens.isWaiting(token)) this.tokens.sendTaskSuccess(token, records);
        },
        message.openWhen as string[] | undefined,
      );
    }
    return undefined;
  }

  /**
   * Runs one try in the background and answers its token: first takes its DAG and pool slots (waiting as long as
   * they are short), then runs, then gives them back. A try whose state gave up meanwhile is not answered.
   */
  private work(token: string, message: TaskMessage, call: TaskCall): void {
    // A try that ran out of its time ended without its worker's answer: its callback is called from here, as
    // the recorder does in the cloud (the worker's late answer calls none).
    call.timedOut?.addEventListener(
      'abort',
      () => {
        const reason = call.timedOut!.reason as StatesError;
        this.callBack(message, { ok: false, error: reason.error, cause: reason.cause_ });
      },
      { once: true },
    );
    void this.runWithSlots(token, message, call.signal);
  }

  /** Sends the callback the end of `message`'s try calls, if its task has one. */
  private callBack(message: TaskMessage, outcome: Pick<TaskOutcome, 'ok'> & { error?: string; cause?: string }) {
    const task = this.tasks.get(message.taskId);
    if (this.onCallback === undefined || task === undefined) return;
    // Whether the try was the last is counted in this execution (a cleared task gets its retries again).
    const call = taskCallbackFor(task, message.retryCount + 1, outcome);
    if (call !== undefined) this.onCallback(taskCallbackMessage(message, tryNumberOf(message), call));
  }

  private async runWithSlots(token: string, message: TaskMessage, signal: AbortSignal): Promise<void> {
    const kept = keptOutcome(message, this.xcom?.locate?.bind(this.xcom), this.tasks.get(message.taskId));
    if (kept !== undefined) {
      // A cleared run's kept instance: answered at once, no slot, no try, no callback.
      if (kept.ok) this.tokens.sendTaskSuccess(token, kept.result);
      else this.tokens.sendTaskFailure(token, kept.error, kept.cause);
      return;
    }
    const heartbeatEveryMs = this.heartbeatEveryMs(message.taskId);
    const heartbeat = () => {
      if (this.tokens.isWaiting(token)) this.tokens.sendTaskHeartbeat(token);
    };
    let release: () => void = () => undefined;
    this.onTryPhase?.(message, 'queued', this.now());
    if (this.slots !== undefined) {
      // A worker waiting for a slot is alive: it heartbeats, so HeartbeatSeconds only catches hung tries.
      const waiting = heartbeatEveryMs !== undefined ? setInterval(heartbeat, heartbeatEveryMs) : undefined;
      try {
        release = await this.slots(message.taskId);
      } catch (error) {
        if (this.tokens.isWaiting(token)) {
          this.tokens.sendTaskFailure(token, WORKER_ERROR.nonRetryable, (error as Error).message);
          this.callBack(message, { ok: false, error: WORKER_ERROR.nonRetryable, cause: (error as Error).message });
        }
        return;
      } finally {
        clearInterval(waiting);
      }
    }
    try {
      if (signal.aborted || !this.tokens.isWaiting(token)) return;
      const startedAt = this.now();
      this.onTryPhase?.(message, 'running', startedAt);
      const onTryLog = this.onTryLog;
      const hooks: TryHooks = {
        task: this.tasks.get(message.taskId),
        ...(heartbeatEveryMs !== undefined ? { heartbeatEveryMs } : {}),
        onHeartbeat: heartbeat,
        ...(onTryLog !== undefined ? { onLog: (lines: readonly string[]) => onTryLog(message, lines) } : {}),
      };
      const { outcome, logs } = await this.runTry(message, hooks);
      this.onTry({
        taskId: message.taskId,
        mapIndex: message.mapIndex,
        tryNumber: tryNumberOf(message),
        startedAt,
        endedAt: this.now(),
        outcome,
        logs,
      });
      if (signal.aborted || !this.tokens.isWaiting(token)) return;
      if (outcome.ok) this.tokens.sendTaskSuccess(token, outcome.result);
      else this.tokens.sendTaskFailure(token, outcome.error, outcome.cause);
      this.callBack(message, outcome);
    } finally {
      release();
    }
  }
}

/** A `events:putEvents` onto the local asset bus (a task's outlet state, outlet-events-state.ts). */
function isLocalOutletsCall(call: Pick<TaskCall, 'resource' | 'parameters'>): boolean {
  if (call.resource !== 'arn:aws:states:::events:putEvents') return false;
  const entries = (call.parameters as { Entries?: unknown } | undefined)?.Entries;
  return (
    Array.isArray(entries) &&
    entries.every((entry) => (entry as { EventBusName?: unknown }).EventBusName === LOCAL_ASSET_EVENT_BUS)
  );
}
