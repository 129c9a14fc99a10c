import type { DeadlineSpec, ScheduleSpec } from '../schedule/index.ts';
import type { DagAlarmKind } from '../sdk/alarms.ts';
import type { ParamSpec } from '../sdk/params.ts';
import type { FargateOptions } from '../sdk/task-options.ts';
import type { NativeAction } from '../sdk/task-spec.ts';
import type { TriggerRule } from '../sdk/trigger-rule.ts';
import type { AssetConditionIR, AssetIR } from './asset-ir.ts';
import type { ExternalTaskSensorKindIR, TriggerDagKindIR } from './cross-dag-ir.ts';

/**
 * The intermediate representation: a DAG as plain, sorted JSON, free of functions and defaults-to-resolve.
 * Everything after it (checks, ASL, manifest, graphs) reads only this. Bump the version on any breaking change.
 */
export const IR_VERSION = 1;

export interface DagIR {
  readonly irVersion: typeof IR_VERSION;
  readonly dagId: string;
  readonly description?: string;
  readonly doc?: string;
  readonly owner?: string;
  readonly tags: readonly string[];
  readonly schedule: ScheduleSpec;
  /** The assets the DAG runs on (besides `schedule.expression`, when it has one); absent: none. */
  readonly assets?: AssetConditionIR;
  readonly maxActiveRuns: number;
  readonly maxActiveTasks: number;
  readonly dagrunTimeoutSeconds?: number;
  /** Which run callbacks the DAG has (sorted); the recorder (or the local engine) calls them from the bundle. */
  readonly callbacks: readonly ('onFailure' | 'onSuccess')[];
  /** When a run must have ended by (Airflow 3.1's deadline alert). */
  readonly deadline?: DeadlineSpec;
  /** The deadline has a `callback` (called from the bundle on a miss). */
  readonly deadlineCallback?: true;
  /** The CloudWatch alarms of its own the DAG asks for (sorted; absent: none), made by dag-sync. */
  readonly alarms?: readonly DagAlarmKind[];
  readonly xcomOffloadBytes: number;
  readonly params: Readonly<Record<string, ParamSpec>>;
  readonly groups: readonly GroupIR[];
  /** Sorted by id. */
  readonly tasks: readonly TaskIR[];
}

export interface GroupIR {
  readonly id: string;
  readonly parent?: string;
  readonly doc?: string;
}

export interface RetryIR {
  readonly retries: number;
  readonly delaySeconds: number;
  readonly backoffRate: number;
  readonly maxDelaySeconds?: number;
  readonly jitter: boolean;
}

/**
 * A task: what every task has (`TaskCommonIR`) and exactly the settings of its kind, told apart by `kind` as the
 * SDK's `TaskSpec` is, so code that switches on the kind reads those settings without assertions.
 */
export type TaskIR = TaskCommonIR & TaskKindIR;

export type TaskKind = TaskKindIR['kind'];

/** A task of one kind, e.g. `TaskOfKind<'code'>`. */
export type TaskOfKind<K extends TaskKind> = Extract<TaskIR, { readonly kind: K }>;

export interface TaskCommonIR {
  readonly id: string;
  /** The task's key in the state payload (`$.tasks.<key>`): the id with JSONPath-unsafe characters replaced. */
  readonly key: string;
  /** Direct upstream task ids, sorted. */
  readonly upstream: readonly string[];
  /** Argument name -> upstream task id. */
  readonly inputs: Readonly<Record<string, string>>;
  readonly groups: readonly string[];
  readonly triggerRule: TriggerRule;
  readonly retry: RetryIR;
  readonly executionTimeoutSeconds?: number;
  /** Set for tasks an Airstep worker runs (code, container, poll sensor). */
  readonly heartbeatSeconds?: number;
  readonly pool?: { readonly name: string; readonly slots: number };
  readonly queue: string;
  readonly priorityWeight: number;
  /** How the effective weight is computed (`priority-weights.ts`); unset: `downstream`. */
  readonly weightRule?: 'upstream' | 'absolute';
  /** Which callbacks the task has; the runtime calls them from the DAG bundle. */
  readonly callbacks: readonly ('onFailure' | 'onSuccess' | 'onRetry')[];
  readonly doc?: string;
  /** The assets the task updates: each gets an event when the task succeeds (sorted by URI; absent: none). */
  readonly outlets?: readonly AssetIR[];
  /** The IAM role the task's code runs under (code tasks and poll sensors); unset: the worker's own role. */
  readonly runAs?: string;
  /** Whether some downstream task reads this task's result, so the result must travel in the payload. */
  readonly xcomConsumed: boolean;
  /** A setup task (Airflow's `as_setup`): teardowns naming it run when it succeeded. */
  readonly setup?: true;
  /**
   * A teardown task (Airflow's `as_teardown`): its trigger rule is `all_done` decided on `setups`
   * (Airflow's `all_done_setup_success`), and the run's state ignores it unless `failsRun`.
   */
  readonly teardown?: { readonly setups: readonly string[]; readonly failsRun: boolean };
}

/** The per-kind part of a task. */
export type TaskKindIR =
  | CodeKindIR
  | LambdaInvokeKindIR
  | ContainerKindIR
  | NativeKindIR
  | WaitKindIR
  | EmptyKindIR
  | LatestOnlyKindIR
  | S3SensorKindIR
  | PollSensorKindIR
  | TriggerDagKindIR
  | ExternalTaskSensorKindIR;

/** A function run by an Airstep worker. */
export interface CodeKindIR {
  readonly kind: 'code';
  /** What the function's result means. */
  readonly role: 'task' | 'branch' | 'short_circuit';
  readonly compute: 'lambda' | 'fargate';
  readonly fargate?: FargateOptions;
  readonly mapping?: MappingIR;
  /** For a short-circuit task: a false result skips every downstream task whatever its trigger rule. */
  readonly ignoreDownstreamTriggerRules?: boolean;
}

/** An existing Lambda function, invoked by Step Functions itself. */
export interface LambdaInvokeKindIR {
  readonly kind: 'lambda_invoke';
  readonly lambda: { readonly functionName: string; readonly payload?: unknown };
}

/** A user's own container image on Fargate. */
export interface ContainerKindIR {
  readonly kind: 'container';
  readonly fargate: FargateOptions;
}

/** A native Step Functions integration. */
export interface NativeKindIR {
  readonly kind: 'native';
  readonly native: { readonly action: NativeAction; readonly fields: Readonly<Record<string, unknown>> };
}

/** A Wait state: a number of seconds, or until a templated timestamp. */
export interface WaitKindIR {
  readonly kind: 'wait';
  readonly wait: { readonly seconds?: number; readonly until?: string };
}

export interface EmptyKindIR {
  readonly kind: 'empty';
}

/** Airflow's LatestOnlyOperator: Pass and Choice states comparing now with the run's `latestWindow`. */
export interface LatestOnlyKindIR {
  readonly kind: 'latest_only';
}

export interface S3SensorKindIR {
  readonly kind: 's3_sensor';
  readonly sensor: S3SensorIR;
}

/** A sensor whose poke is a function run by an Airstep worker Lambda. */
export interface PollSensorKindIR {
  readonly kind: 'poll_sensor';
  readonly compute: 'lambda';
  readonly sensor: SensorIR;
}

/** One list mapped over: an upstream task's result, or a literal list. */
export type MappedListIR = { readonly task: string } | { readonly items: readonly unknown[] };

export interface MappingIR {
  /** One list, or named lists whose cross product is mapped over (first name outermost, as Airflow orders it). */
  readonly over:
    | MappedListIR
    | { readonly product: ReadonlyArray<{ readonly name: string; readonly over: MappedListIR }> };
  readonly partial?: Readonly<Record<string, unknown>>;
  /** 0 means no limit. */
  readonly maxConcurrency: number;
  /** The author's bound on the item count (`expectedItems`), where no literal list gives it; the estimate only. */
  readonly expectedItems?: number;
  /**
   * The mapping runs as a Distributed Map (map-mode.ts): asked for (`distributed: true`), or chosen by `compile`
   * because its items would overflow a run's history. Absent: an inline Map.
   */
  readonly distributed?: 'requested' | 'history';
  /** Failed items a distributed mapping tolerates (`toleratedFailureCount` / `toleratedFailurePercentage`). */
  readonly toleratedFailures?: { readonly count?: number; readonly percentage?: number };
}

export interface SensorIR {
  readonly pokeSeconds: number;
  readonly timeoutSeconds: number;
  readonly softFail: boolean;
  readonly exponentialBackoff: boolean;
  readonly maxWaitSeconds?: number;
}

/** An S3 sensor's settings: the object it waits for (`key`) or any object under `prefix`, one of the two. */
export interface S3SensorIR extends SensorIR {
  readonly bucket: string;
  readonly key?: string;
  readonly prefix?: string;
}
