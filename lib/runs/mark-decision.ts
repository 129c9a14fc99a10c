import type { RunState, TaskState } from '../compiler/run-states.ts';

/**
 * `airstep mark` on a run that has ended, as pure decisions shared by the local store and the deployed stack.
 *
 * Airflow 3's rules, and where Airstep stops short of them:
 * - Marking a task (`set_task_instance_state`) sets that instance's state; Airflow then clears the task's
 *   downstream instances that are failed or upstream_failed and queues the run again, so they run. Airstep
 *   sets the state and leaves the downstream as they are (re-running them is `airstep clear`); the run's state
 *   is then what its records say: failed while any instance is failed or upstream_failed, else success. So
 *   marking the only failed task (a leaf) success makes the run a success, as it ends in Airflow.
 * - Marking a run success (`set_dag_run_state_to_success`) sets every instance that did not succeed to success
 *   (skipped ones stay skipped: they did what their trigger rule said); marking it failed
 *   (`set_dag_run_state_to_failed`) sets the run failed, instances still running to failed and instances that
 *   never ended to skipped (none remain on an ended run).
 */
export type MarkState = 'success' | 'failed';

export interface MarkableRecord {
  readonly taskId: string;
  readonly mapIndex: number;
  readonly state: TaskState;
}

export interface MarkPlan<T extends MarkableRecord> {
  /** The records whose state changes, with the new state. */
  readonly changed: ReadonlyArray<{ readonly record: T; readonly state: TaskState }>;
  readonly runState: RunState;
}

/** A task instance as the command names it: `load` or `load[3]` (an item of a mapped task). */
export function parseTaskInstance(text: string): { taskId: string; mapIndex: number } {
  const mapped = /^(.+)\[(\d+)\]$/.exec(text);
  return mapped !== null ? { taskId: mapped[1]!, mapIndex: Number(mapped[2]) } : { taskId: text, mapIndex: -1 };
}

/** A run's state from its records once a mark changed them. */
export function runStateOf(states: readonly TaskState[]): RunState {
  return states.some((state) => state === 'failed' || state === 'upstream_failed') ? 'failed' : 'success';
}

/** Marking one task instance of an ended run. */
export function markTaskPlan<T extends MarkableRecord>(
  records: readonly T[],
  target: T,
  state: MarkState,
): MarkPlan<T> {
  const after = records.map((record) => (record === target ? state : record.state));
  return { changed: target.state === state ? [] : [{ record: target, state }], runState: runStateOf(after) };
}

/** Marking a whole ended run. */
export function markRunPlan<T extends MarkableRecord>(records: readonly T[], state: MarkState): MarkPlan<T> {
  const changed = records.flatMap((record) => {
    const next: TaskState =
      state === 'success'
        ? record.state === 'skipped'
          ? 'skipped'
          : 'success'
        : record.state === 'running'
          ? 'failed'
          : record.state === 'success' ||
              record.state === 'failed' ||
              record.state === 'skipped' ||
              record.state === 'upstream_failed'
            ? record.state
            : 'skipped';
    return next === record.state ? [] : [{ record, state: next }];
  });
  return { changed, runState: state };
}
