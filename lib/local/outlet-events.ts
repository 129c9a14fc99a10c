import type { AssetEvent } from '../assets/asset-event.ts';
import type { DagManifest } from '../compiler/manifest.ts';
import { instanceKey, type RunContext } from '../compiler/worker-contract.ts';
import type { WorkerTry } from './dag-resources.ts';
import type { LocalAssetEvents } from './local-asset-events.ts';
import type { TaskInstance } from './run-dag.ts';

/**
 * Records an asset event for each outlet of a task as the task SUCCEEDS (not when it fails or is skipped), once per
 * task of a run: a mapped task when the task as a whole succeeded, not per item. A cleared run's kept instances
 * (they did not run again) record nothing; a task run again by a clear records anew, as Airflow's does.
 */
export class OutletEvents {
  private readonly recorded = new Set<string>();
  /** What each task's last successful try attached to its outlet events (`ctx.outletEvents(asset).extra`). */
  private readonly extras = new Map<string, ReadonlyArray<Readonly<Record<string, unknown>>>>();
  private readonly outlets: ReadonlyMap<string, readonly string[]>;
  /** Payload keys by task id: a cleared run names its kept empty tasks by key (`clear.outletsRecorded`). */
  private readonly keys: ReadonlyMap<string, string>;
  readonly events: AssetEvent[] = [];

  constructor(
    manifest: Pick<DagManifest, 'tasks'>,
    private readonly ctx: RunContext,
    private readonly store: LocalAssetEvents,
  ) {
    this.outlets = new Map(
      manifest.tasks
        .filter((task) => (task.outlets ?? []).length > 0)
        .map((task) => [task.id, task.outlets!.map((asset) => asset.uri)]),
    );
    this.keys = new Map(manifest.tasks.map((task) => [task.id, task.key]));
  }

  /** A try ended (before its answer changes the task's state): keeps the extras a successful one attached. */
  tried(attempt: Pick<WorkerTry, 'taskId' | 'mapIndex' | 'outcome'>): void {
    if (attempt.mapIndex >= 0 || !attempt.outcome.ok) return;
    const extra = attempt.outcome.result.outletExtra;
    if (extra !== undefined) this.extras.set(attempt.taskId, extra);
  }

  /** The task's change, as the engine reports it: the write to make now, if any. */
  changed(task: Pick<TaskInstance, 'taskId' | 'mapIndex' | 'state'>, at: Date): Promise<void> | undefined {
    const uris = this.outlets.get(task.taskId);
    if (uris === undefined || task.mapIndex >= 0 || task.state !== 'success') return undefined;
    if (this.recorded.has(task.taskId) || this.keptByClear(task.taskId)) return undefined;
    this.recorded.add(task.taskId);
    return this.store
      .record(
        uris,
        { dagId: this.ctx.dagId, taskId: task.taskId, runId: this.ctx.runId },
        at,
        this.extras.get(task.taskId),
      )
      .then((events) => {
        this.events.push(...events);
      });
  }

  /** A kept code task answers its kept result; a kept empty task is listed by the clear (kept-outlets.ts). */
  private keptByClear(taskId: string): boolean {
    const clear = this.ctx.clear;
    if (clear === undefined) return false;
    if (clear.kept[instanceKey(taskId, -1)] !== undefined) return true;
    const key = this.keys.get(taskId);
    return key !== undefined && clear.outletsRecorded?.[key] === true;
  }
}
