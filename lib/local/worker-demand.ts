import type { DagManifest } from '../compiler/manifest.ts';
import type { TaskState } from '../compiler/run-states.ts';

/** What the forecast reads of a compiled task (the manifest's task index). */
export type PlannedTask = Pick<DagManifest['tasks'][number], 'id' | 'kind' | 'upstream'> &
  Partial<Pick<DagManifest['tasks'][number], 'mapped'>>;

/** How many waves ahead the forecast looks: the next one, and the one after it (so a fan-out behind a task that
 * ends at once still finds its workers started). */
const WAVES = 2;

/**
 * How many worker processes a run can use at once next, from the compiled DAG and the task states seen so far.
 * A wave is the tasks not started whose upstream tasks have all started (or are in an earlier wave): they can run
 * as soon as those end. Wave k needs one worker per code task in it, plus one per running task it does not wait
 * for (that one may still be running). Mapped tasks count once: their items come with the tries themselves.
 * Kept incrementally: a state change costs the size of the next waves, not of the DAG.
 */
export class WorkerDemand {
  private readonly byId = new Map<string, PlannedTask>();
  private readonly downstream = new Map<string, string[]>();
  private readonly started = new Set<string>();
  private readonly running = new Set<string>();
  /** Mapped tasks running: their items come one after another, each a try of its own. */
  private readonly mapping = new Set<string>();
  /** Not started, every upstream task started: the first wave. */
  private readonly ready = new Set<string>();
  private readonly waiting = new Map<string, number>();

  constructor(tasks: readonly PlannedTask[]) {
    for (const task of tasks) {
      this.byId.set(task.id, task);
      this.waiting.set(task.id, task.upstream.length);
      if (task.upstream.length === 0) this.ready.add(task.id);
      for (const upstream of task.upstream) {
        const list = this.downstream.get(upstream);
        if (list === undefined) this.downstream.set(upstream, [task.id]);
        else list.push(task.id);
      }
    }
  }

  /** A task (its unmapped instance) changed state. */
  observe(taskId: string, state: TaskState): void {
    // Only `none` (not started) and `running` matter here.
    const task = this.byId.get(taskId);
    if (task === undefined) return;
    if (state === 'running' && runsInWorker(task)) this.running.add(taskId);
    else this.running.delete(taskId);
    if (state === 'running' && task.mapped === true && runsInWorker(task)) this.mapping.add(taskId);
    else this.mapping.delete(taskId);
    if (state === 'none' || this.started.has(taskId)) return;
    this.started.add(taskId);
    this.ready.delete(taskId);
    for (const next of this.downstream.get(taskId) ?? []) {
      const left = this.waiting.get(next)! - 1;
      this.waiting.set(next, left);
      if (left === 0 && !this.started.has(next)) this.ready.add(next);
    }
  }

  /**
   * Whether idle workers should be kept rather than stopped: while a mapped task runs, the try that ends and the
   * item that starts next pass each other, so a worker idle for that moment would be stopped and another started
   * for the next item (a process start, ~0.5 s of CPU, per item).
   */
  keepIdle(): boolean {
    return this.mapping.size > 0;
  }

  /** Workers the next waves can keep busy at once (at least the running code tasks). */
  workers(): number {
    let need = this.running.size;
    const known = new Set<string>();
    const released = new Set<string>();
    let wave = [...this.ready];
    for (let depth = 0; depth < WAVES && wave.length > 0; depth++) {
      for (const id of wave) known.add(id);
      for (const id of wave) for (const upstream of this.byId.get(id)!.upstream) released.add(upstream);
      let stillRunning = 0;
      for (const id of this.running) if (!released.has(id)) stillRunning++;
      need = Math.max(need, wave.filter((id) => runsInWorker(this.byId.get(id)!)).length + stillRunning);
      const following = new Set<string>();
      for (const id of wave) {
        for (const next of this.downstream.get(id) ?? []) {
          if (known.has(next) || this.started.has(next)) continue;
          const upstream = this.byId.get(next)!.upstream;
          if (upstream.every((up) => this.started.has(up) || known.has(up))) following.add(next);
        }
      }
      wave = [...following];
    }
    return need;
  }
}

/** Task kinds whose tries the local engine runs in worker processes. */
function runsInWorker(task: PlannedTask): boolean {
  return task.kind === 'code' || task.kind === 'poll_sensor';
}
