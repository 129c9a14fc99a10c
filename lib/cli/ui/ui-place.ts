import type { ParamSpec } from '../../sdk/params.ts';
import type { UiActionAnswer, UiDag, UiImportError } from '../../web/api.ts';
import type { DagOutline } from '../dag-outline.ts';
import type { RunHistory } from '../history/run-history.ts';
import type { TaskLogSource } from '../history/task-log-source.ts';

/**
 * Where `airstep ui` reads DAGs and runs and what its actions change: this machine's DAG files and store
 * (LocalPlace) or a deployed stack (StackPlace). Reads go through the ports `list`, `runs`, `tasks` and `logs` use;
 * each action is the CLI command that does it, pointed at the same place. UiSource does the rest once for both.
 */
export interface UiPlace {
  /** For the page's header and messages: `local`, or where the stack's outputs came from. */
  readonly name: string;
  /** The DAGs and import errors, as `airstep list --json` says them. */
  listDags(): Promise<ListedDags>;
  /** Runs and task instances. */
  history(): Promise<RunHistory>;
  /** Task tries' logs. */
  logs(): Promise<TaskLogSource>;
  /** Starts a run (conf already checked against the DAG's params): answers once it has its id or was refused. */
  trigger(dag: ListedDag, request: { conf?: Record<string, unknown>; logicalDate?: string }): Promise<UiActionAnswer>;
  /** `airstep clear`: answers once the new attempt started. */
  clear(dagId: string, runId: string, request: { taskId?: string; downstream?: boolean }): Promise<UiActionAnswer>;
  /** `airstep mark`. */
  mark(
    dagId: string,
    runId: string,
    request: { taskId: string; mapIndex: number; state: 'success' | 'failed' },
  ): Promise<UiActionAnswer>;
  /** `airstep pause|unpause`. */
  pause(dagId: string, paused: boolean): Promise<UiActionAnswer>;
}

/** A DAG as `airstep list --json` prints it (the fields the UI reads), locally and with `--stack` alike. */
export type ListedDag = Pick<
  UiDag,
  | 'dagId'
  | 'file'
  | 'schedule'
  | 'timezone'
  | 'assets'
  | 'tags'
  | 'owner'
  | 'description'
  | 'doc'
  | 'paused'
  | 'nextRun'
> & {
  readonly params: Readonly<Record<string, ParamSpec>>;
  readonly graph: DagOutline;
};

export interface ListedDags {
  readonly dags: readonly ListedDag[];
  readonly importErrors: readonly UiImportError[];
}
