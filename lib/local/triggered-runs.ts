import { type FindTarget, LocalDagTrigger } from './local-dag-trigger.ts';
import type { LocalStore } from './local-store.ts';
import { runAndRecord } from './record-run.ts';
import type { TaskInstance } from './run-dag.ts';
import type { LocalLimits } from './slot-limits.ts';

/**
 * The trigger a local run's `triggerDag` steps use: the runs it admits run in this process through
 * `runAndRecord`, as the triggering run does (same store, slots, clock speed and stop signal), and may trigger
 * runs in turn. `airstep run`, `backfill`, `clear` and each run of `airstep dev` make one; they wait for its
 * runs (`drain`) before they end, so a run they started never outlives the process.
 */
export function localDagTrigger(input: {
  readonly store: LocalStore;
  readonly find: FindTarget;
  readonly limits?: LocalLimits;
  readonly speed?: number;
  readonly signal?: AbortSignal;
  readonly onStarted?: (dagId: string, runId: string) => void;
  readonly onEnded?: (dagId: string, runId: string, state: string) => void;
  /** A task of a triggered run changed state (`airstep dev` shows it as it shows its scheduled runs' tasks). */
  readonly onTaskChange?: (dagId: string, runId: string, task: TaskInstance) => void;
}): LocalDagTrigger {
  const trigger: LocalDagTrigger = new LocalDagTrigger({
    store: input.store,
    find: input.find,
    ...(input.onStarted !== undefined ? { onStarted: input.onStarted } : {}),
    ...(input.onEnded !== undefined ? { onEnded: input.onEnded } : {}),
    ...(input.signal !== undefined ? { signal: input.signal } : {}),
    run: ({ target, ctx, claim }) =>
      runAndRecord({
        dag: target.dag,
        file: target.file,
        ctx,
        store: input.store,
        claim,
        maxActiveTasks: target.ir.maxActiveTasks,
        trigger,
        ...(input.onTaskChange !== undefined
          ? { onTaskChange: (task: TaskInstance) => input.onTaskChange?.(target.dag.id, ctx.runId, task) }
          : {}),
        ...(target.manifest !== undefined ? { manifest: target.manifest } : {}),
        ...(input.limits !== undefined ? { limits: input.limits } : {}),
        ...(input.speed !== undefined ? { speed: input.speed } : {}),
        ...(input.signal !== undefined ? { signal: input.signal } : {}),
      }).then((recorded) => recorded.run.state),
  });
  return trigger;
}
