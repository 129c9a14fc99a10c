import type { AssetEvent } from '../assets/asset-event.ts';
import { LocalAssetEvents } from './local-asset-events.ts';
import { LocalStore, type RunRecord, type TaskRecord } from './local-store.ts';
import { queuedRunReasonIn } from './queued-run-reason.ts';

/** The local store as the CLI reads runs (the `RunHistory` port of lib/cli/history). */
export class LocalRunHistory {
  readonly where: string;
  readonly local = true;

  private constructor(private readonly store: LocalStore) {
    this.where = store.root;
  }

  /** Opens the store, marking runs whose process is gone as `interrupted` first. */
  static async open(store = new LocalStore()): Promise<LocalRunHistory> {
    await store.recoverInterrupted();
    return new LocalRunHistory(store);
  }

  /** The runs, a queued one with why it waits (`queuedReason`). */
  async runs(dagId?: string): Promise<Array<RunRecord & { queuedReason?: string }>> {
    const runs = await this.store.runs(dagId);
    return Promise.all(
      runs.map(async (run) =>
        run.state === 'queued' ? { ...run, queuedReason: await queuedRunReasonIn(this.store, run) } : run,
      ),
    );
  }

  async findRuns(runId: string, dagId?: string): Promise<RunRecord[]> {
    const runs = await this.store.runs(dagId);
    const exact = runs.filter((run) => run.runId === runId);
    return exact.length > 0 ? exact : runs.filter((run) => run.runId.startsWith(runId));
  }

  setNote(run: { readonly dagId: string; readonly runId: string }, note: string): Promise<boolean> {
    return this.store.setNote(run.dagId, run.runId, note);
  }

  tasks(run: { readonly dagId: string; readonly runId: string }): Promise<TaskRecord[]> {
    return this.store.tasks(run.dagId, run.runId);
  }

  /** The events the run's tasks recorded in the local store (`.airstep/assets/events/`), oldest first. */
  async assetEvents(run: { readonly dagId: string; readonly runId: string }): Promise<AssetEvent[]> {
    const events = await new LocalAssetEvents(this.store.root).events();
    return events.filter((event) => event.sourceDagId === run.dagId && event.sourceRunId === run.runId);
  }
}
