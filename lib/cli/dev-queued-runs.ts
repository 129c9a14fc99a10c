import type { LocalStore } from '../local/local-store.ts';
import { queuedRunsOldestFirst } from '../local/queued-run-adoption.ts';
import { runLockHolder } from '../local/run-lock.ts';

/** A DAG `airstep dev` runs (one its files gave), as the queue needs it. */
interface DevDag {
  readonly dagId: string;
  readonly maxActiveRuns: number;
}

/**
 * `airstep dev` adopting runs left `queued` in the local store (a `triggerDag` run admitted while its DAG was
 * paused or full, by a command that has ended), as Airflow's scheduler starts queued runs: on each pass (at start,
 * every few seconds, and as a run ends) the queued runs of the DAGs dev knows, not paused, oldest first, as many
 * as the DAG has places under `maxActiveRuns`. A place is taken by every run the store says is running (any
 * process) and by dev's own runs not yet recorded (`active`: the scheduler's count). A run whose lock a live
 * process holds is that process's to start; the child that starts a run takes its lock and checks it is still
 * queued (claimQueuedRun), so no run starts twice.
 */
export class DevQueuedRuns {
  private passing: Promise<void> | undefined;
  /** Runs handed to a child and not yet ended (`dagId\0runId`). */
  private readonly starting = new Set<string>();

  constructor(
    private readonly deps: {
      readonly store: LocalStore;
      /** The DAGs dev knows now. */
      readonly dags: () => Iterable<DevDag>;
      /** Dev's own runs of the DAG in flight (scheduled, triggered and adopted). */
      readonly active: (dagId: string) => number;
      /** Starts the queued run in a child; `done` once it ended or could not start. */
      readonly start: (dagId: string, runId: string, done: () => void) => void;
      /** Dev is stopping: nothing more starts. */
      readonly stopped: () => boolean;
    },
  ) {}

  /** One pass; passes never overlap (a pass asked for during one joins it). */
  pass(): Promise<void> {
    this.passing ??= this.adopt().finally(() => {
      this.passing = undefined;
    });
    return this.passing;
  }

  private async adopt(): Promise<void> {
    const { store } = this.deps;
    for (const dag of this.deps.dags()) {
      if (this.deps.stopped() || store.isPaused(dag.dagId)) continue;
      const runs = await store.runs(dag.dagId);
      const key = (runId: string) => `${dag.dagId}\u0000${runId}`;
      const queued = queuedRunsOldestFirst(runs).filter((run) => !this.starting.has(key(run.runId)));
      if (queued.length === 0) continue;
      const running = runs.filter((run) => run.state === 'running').length;
      let places = dag.maxActiveRuns - Math.max(running, this.deps.active(dag.dagId));
      for (const run of queued) {
        if (places <= 0 || this.deps.stopped()) break;
        if ((await runLockHolder(store.runDir(dag.dagId, run.runId))) !== undefined) continue;
        places--;
        this.starting.add(key(run.runId));
        this.deps.start(dag.dagId, run.runId, () => this.starting.delete(key(run.runId)));
      }
    }
  }
}
