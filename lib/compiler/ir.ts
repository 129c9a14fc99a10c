import type { ParamSpec } from '../sdk/params.ts';
import type { FargateOptions } from '../sdk/task-options.ts';
import type { NativeAction } from '../sdk/task-spec.ts';
import type { TriggerRule } from '../sdk/trigger-rule.ts';

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
  readonly schedule: ScheduleIR;
  readonly maxActiveRuns: number;
  readonly maxActiveTasks: number;
  readonly dagrunTimeoutSeconds?: number;
  readonly xcomOffloadBytes: number;
  readonly params: Readonly<Record<string, ParamSpec>>;
  readonly groups: readonly GroupIR[];
  /** Sorted by id. */
  readonly tasks: readonly TaskIR[];
}

export interface ScheduleIR {
  readonly expression: string | null;
  readonly timezone: string;
  readonly startDate?: string;
  readonly endDate?: string;
  readonly catchup: boolean;
}

export interface GroupIR {
  readonly id: string;
  readonly parent?: string;
  readonly doc?: string;
}

export type TaskKind =
  | 'code'
  | 'lambda_invoke'
  | 'container'
  | 'native'
  | 'wait'
  | 'empty'
  | 's3_sensor'
  | 'poll_sensor';

export interface RetryIR {
  readonly retries: number;
  readonly delaySeconds: number;
  readonly backoffRate: number;
  readonly maxDelaySeconds?: number;
  readonly jitter: boolean;
}

export interface TaskIR {
  readonly id: string;
  /** The task's key in the state payload (`$.tasks.<key>`): the id with JSONPath-unsafe characters replaced. */
  readonly key: string;
  readonly kind: TaskKind;
  /** What a code task's result means. */
  readonly role?: 'task' | 'branch' | 'short_circuit';
  readonly compute?: 'lambda' | 'fargate';
  readonly fargate?: FargateOptions;
  /** Direct upstream task ids, sorted. */
  readonly upstream: readonly string[];
  /** Argument name -> upstream task id. */
  readonly inputs: Readonly<Record<string, string>>;
  readonly groups: readonly string[];
  readonly triggerRule: TriggerRule;
  readonly retry: RetryIR;
  readonly executionTimeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
  readonly pool?: { readonly name: string; readonly slots: number };
  readonly queue: string;
  readonly priorityWeight: number;
  /** Which callbacks the task has; the runtime calls them from the DAG bundle. */
  readonly callbacks: readonly ('onFailure' | 'onSuccess' | 'onRetry')[];
  readonly slaSeconds?: number;
  readonly doc?: string;
  readonly mapping?: MappingIR;
  /** For a short-circuit task: a false result skips every downstream task whatever its trigger rule. */
  readonly ignoreDownstreamTriggerRules?: boolean;
  readonly native?: { readonly action: NativeAction; readonly fields: Readonly<Record<string, unknown>> };
  readonly lambda?: { readonly functionName: string; readonly payload?: unknown };
  readonly wait?: { readonly seconds?: number; readonly until?: string };
  readonly sensor?: SensorIR;
  /** Whether some downstream task reads this task's result, so the result must travel in the payload. */
  readonly xcomConsumed: boolean;
}

export interface MappingIR {
  readonly over: { readonly task: string } | { readonly items: readonly unknown[] };
  readonly partial?: Readonly<Record<string, unknown>>;
  /** 0 means no limit. */
  readonly maxConcurrency: number;
}

export interface SensorIR {
  readonly pokeSeconds: number;
  readonly timeoutSeconds: number;
  readonly softFail: boolean;
  readonly exponentialBackoff: boolean;
  readonly maxWaitSeconds?: number;
  readonly bucket?: string;
  readonly key?: string;
  readonly prefix?: string;
}
