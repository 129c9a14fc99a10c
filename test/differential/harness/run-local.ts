import { compileDag } from '../../../lib/compiler/compile-dag.ts';
import { workerTasksOf } from '../../../lib/compiler/worker-contract.ts';
import { Clock } from '../../../lib/local/clock.ts';
import type { TaskResources } from '../../../lib/local/interpreter.ts';
import { runDagLocally, type TaskInstance } from '../../../lib/local/run-dag.ts';
import { manualContext } from '../../helpers/run-context.ts';
import { type Behaviour, play, succeed } from './behaviour.ts';
import type { DifferentialCase } from './case.ts';
import { CallLog, finalPayload, type Observed, taskViews } from './observe.ts';

export interface LocalRun {
  readonly observed: Observed;
  /** The engine's own task instances (what `airstep run` shows), to check against the payload. */
  readonly instances: readonly TaskInstance[];
}

/**
 * Runs a case in the local engine: the compiled ASL interpreted by `runDagLocally` on a fast clock, each try
 * played in-process from the behaviour table. Native steps go to `native` (an emulator's services) when given.
 */
export async function runLocal(test: DifferentialCase, native?: TaskResources): Promise<LocalRun> {
  const compiled = compileDag(test.dag);
  if (compiled.asl === undefined)
    throw new Error(`${test.name}: ${compiled.problems.map((p) => p.message).join('; ')}`);
  const topLevel = new Set(Object.keys((JSON.parse(compiled.asl) as { States: object }).States));
  const clock = new Clock({ speed: test.speed ?? 20 });
  const heartbeatSeconds = new Map(compiled.ir.tasks.map((task) => [task.id, task.heartbeatSeconds]));
  const log = new CallLog();
  const workerTasks = workerTasksOf(compiled.manifest!);
  const entered: Array<{ name: string; input: unknown }> = [];
  const behaviourOf = (taskId: string): Behaviour => test.behaviours?.[taskId] ?? test.defaultBehaviour ?? succeed();

  const { execution, tasks } = await runDagLocally({
    dag: test.dag,
    ctx: test.ctx ?? manualContext(test.dag),
    clock,
    ...(native !== undefined ? { native } : {}),
    runTry: async (message, hooks) => {
      const tryNumber = message.retryCount + 1;
      const answer = await log.track(message, (callIndex) =>
        play(behaviourOf(message.taskId), message, {
          dag: test.dag,
          tasks: workerTasks,
          callIndex,
          sleep: (ms) => clock.sleep(ms),
          heartbeat: hooks.onHeartbeat,
          started: (taskId) => log.started(taskId),
          heartbeatEveryMs: (taskId) => {
            const seconds = heartbeatSeconds.get(taskId);
            return seconds === undefined ? undefined : (seconds * 1000) / 3 / clock.speed;
          },
        }),
      );
      return {
        outcome: answer.ok
          ? { ok: true, result: { output: answer.output, try: tryNumber } }
          : { ok: false, error: answer.error, cause: answer.cause, try: tryNumber },
        logs: [],
      };
    },
    onEvent: (event) => {
      if (event.type === 'StateEntered' && event.stateName !== undefined)
        entered.push({ name: event.stateName, input: event.input });
    },
  });
  const calls = await log.drain();
  return {
    observed: {
      status: execution.status,
      ...(execution.error !== undefined ? { error: execution.error } : {}),
      tasks: taskViews(finalPayload(entered, topLevel), compiled.ir),
      calls,
      ...(test.before !== undefined ? { order: log.orderOf(test.before) } : {}),
    },
    instances: tasks,
  };
}
