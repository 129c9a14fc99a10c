/**
 * What `airstep ui`'s server answers its page (`/api/…`, JSON): the server fills these from the same ports and
 * commands the CLI uses; the page only reads them. Plain types, shared by both sides (the page imports nothing else
 * of Airstep's).
 */

/** A DAG as the DAGs view and the grid show it. */
export interface UiDag {
  readonly dagId: string;
  readonly file: string;
  /** The schedule expression; null for a DAG run only by hand. */
  readonly schedule: string | null;
  readonly timezone: string;
  /** The asset condition it also runs on (`a & (b | c)`), when scheduled on assets. */
  readonly assets?: string;
  readonly tags: readonly string[];
  readonly owner?: string;
  readonly description?: string;
  /** Markdown shown with the DAG. */
  readonly doc?: string;
  readonly paused: boolean;
  /** When its next scheduled run is created; null when none is (paused, manual). */
  readonly nextRun: { readonly logicalDate: string; readonly runAfter: string } | null;
  /** Its newest runs, newest first (at most 10). */
  readonly recentRuns: readonly UiRunBrief[];
  readonly params: Readonly<Record<string, UiParam>>;
  readonly tasks: readonly UiTask[];
  readonly groups: readonly string[];
}

export interface UiRunBrief {
  readonly runId: string;
  readonly state: string;
}

/** A param of the DAG's params schema (the SDK's ParamSpec as compiled). */
export interface UiParam {
  readonly type: 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';
  readonly default?: unknown;
  readonly description?: string;
  readonly enum?: readonly (string | number)[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly required?: boolean;
  readonly items?: string;
}

/** A task of the DAG, in the order its graph gives (upstream before downstream). */
export interface UiTask {
  readonly id: string;
  readonly kind: string;
  readonly groups: readonly string[];
  readonly upstream: readonly string[];
  readonly triggerRule: string;
  readonly retries: number;
  readonly mapped: boolean;
  readonly pool?: string;
  readonly compute?: string;
  /** A Fargate task's size: CPU units (1024 = 1 vCPU) and memory in MiB. */
  readonly size?: { readonly cpu: number; readonly memory: number };
  readonly doc?: string;
}

export interface UiImportError {
  readonly file: string;
  readonly line?: number;
  readonly message: string;
}

export interface UiDagsAnswer {
  /** `local` (the store in `.airstep/`) or the deployed stack's name. */
  readonly source: string;
  readonly dags: readonly UiDag[];
  readonly importErrors: readonly UiImportError[];
}

export interface UiRun {
  readonly dagId: string;
  readonly runId: string;
  readonly state: string;
  readonly logicalDate?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly note?: string;
  readonly conf?: Readonly<Record<string, unknown>>;
  /** A deployed run's Step Functions console page (absent locally, and for a queued run with no execution yet). */
  readonly consoleUrl?: string;
}

export interface UiTaskInstance {
  readonly taskId: string;
  readonly mapIndex: number;
  readonly state: string;
  readonly tries?: number;
  readonly queuedAt?: string;
  readonly startedAt?: string;
  readonly durationMs?: number;
  readonly error?: string;
  readonly errorMessage?: string;
  readonly reason?: string;
  readonly output?: unknown;
  /** Each try's own times and end, oldest first, where the store keeps them (the local engine). */
  readonly tryTimes?: readonly UiTryTimes[];
}

/** One try of a task instance: when it queued, ran and ended, and how the try itself ended. */
export interface UiTryTimes {
  readonly try: number;
  readonly state: string;
  readonly queuedAt?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly errorMessage?: string;
}

/** The grid: the DAG's newest runs (oldest first, as columns) and each run's task instances. */
export interface UiGridAnswer {
  readonly dag: UiDag;
  readonly runs: readonly UiRun[];
  /** By run id. */
  readonly instances: Readonly<Record<string, readonly UiTaskInstance[]>>;
}

export interface UiRunAnswer {
  readonly dag: UiDag;
  readonly run: UiRun;
  readonly instances: readonly UiTaskInstance[];
}

export interface UiLogAnswer {
  /** The try's log; empty while it has logged nothing. */
  readonly text: string;
}

/** A problem with a trigger's conf, by field (`params.limit`), as the trigger reports it. */
export interface UiConfProblem {
  readonly field: string;
  readonly message: string;
}

/** What an action answered: what it started, or why it was refused (the CLI's own message). */
export type UiActionAnswer =
  | { readonly ok: true; readonly runId?: string; readonly output: string }
  | { readonly ok: false; readonly error: string; readonly problems?: readonly UiConfProblem[] };
