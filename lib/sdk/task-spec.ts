import type { TaskContext } from './context.ts';
import type { ExternalTaskSensorSpec, TriggerDagSpec } from './cross-dag.ts';
import type { Duration } from './duration.ts';
import type { FargateOptions, TaskOptions } from './task-options.ts';

/**
 * What a task factory recorded: the task's kind and its kind-specific settings. The compiler reads these;
 * authors use the factories on `Dag` and `TaskGroup` instead.
 */
export type TaskSpec =
  | CodeTaskSpec
  | LambdaInvokeSpec
  | ContainerSpec
  | NativeStepSpec
  | WaitSpec
  | EmptySpec
  | LatestOnlySpec
  | S3SensorSpec
  | PollSensorSpec
  | TriggerDagSpec
  | ExternalTaskSensorSpec;

// biome-ignore lint/suspicious/noExplicitAny: task functions are checked where they are declared
export type AnyTaskFunction = (ctx: TaskContext<any>, ...args: any[]) => unknown;

/** A function run by an Airstep worker (Lambda or Fargate). */
export interface CodeTaskSpec {
  readonly kind: 'code';
  /** What the function's return value means: plain XCom, ids to follow, or whether to go on. */
  readonly role: 'task' | 'branch' | 'short_circuit';
  readonly fn: AnyTaskFunction;
  readonly compute: 'lambda' | 'fargate';
  readonly fargate?: FargateOptions;
  readonly mapping?: MappingSpec;
  readonly ignoreDownstreamTriggerRules?: boolean;
}

/** One list a mapped task maps over: an upstream task's result, or a literal list. */
export type MappedListSpec = { readonly task: string } | { readonly items: readonly unknown[] };

export interface MappingSpec {
  /**
   * An upstream task id whose result is the list, a literal list, or named lists whose cross product is mapped
   * over (in the order written).
   */
  readonly over:
    | MappedListSpec
    | { readonly product: ReadonlyArray<{ readonly name: string; readonly over: MappedListSpec }> };
  readonly partial?: Readonly<Record<string, unknown>>;
  readonly maxMapConcurrency?: number;
  /** The author's bound on the item count, for the history estimate only (see `ExpandOptions.expectedItems`). */
  readonly expectedItems?: number;
  /** Run as a Distributed Map, and its tolerated failures (see `DistributedMapOptions`). */
  readonly distributed?: boolean;
  readonly toleratedFailureCount?: number;
  readonly toleratedFailurePercentage?: number;
}

export interface LambdaInvokeSpec {
  readonly kind: 'lambda_invoke';
  readonly functionName: string;
  readonly payload?: unknown;
}

export interface ContainerSpec {
  readonly kind: 'container';
  readonly fargate: FargateOptions;
}

/** The native Step Functions integrations Airstep exposes, by the name the SDK uses for them. */
export type NativeAction =
  | 's3_copy'
  | 's3_put'
  | 's3_list'
  | 'dynamodb_get'
  | 'dynamodb_put'
  | 'dynamodb_update'
  | 'sqs_send'
  | 'sns_publish'
  | 'events_put'
  /** Any AWS API (`awsSdk`): fields `service`, `action`, `input` in Step Functions' names, `sync`. */
  | 'aws_sdk';

export interface NativeStepSpec {
  readonly kind: 'native';
  readonly action: NativeAction;
  /** The action's fields as the author wrote them; strings may hold `{{ templates }}`. */
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface WaitSpec {
  readonly kind: 'wait';
  readonly duration?: Duration;
  /** A templated ISO timestamp to wait until, e.g. `'{{ data_interval_end }}'`. */
  readonly until?: string;
}

export interface EmptySpec {
  readonly kind: 'empty';
}

/**
 * Airflow's `LatestOnlyOperator`: succeeds, and skips its direct downstream tasks unless the run is its DAG's
 * latest scheduled one (decided in the state machine, no worker).
 */
export interface LatestOnlySpec {
  readonly kind: 'latest_only';
}

/** Options shared by sensors: poke, wait, poke again, until found or timed out. */
export interface SensorOptions {
  /** Time between pokes. @default '60 seconds' */
  readonly pokeInterval?: Duration;
  /** Give up after this long. @default '7 days' (Airflow's default) */
  readonly timeout?: Duration;
  /** On timeout, mark the sensor skipped instead of failed. @default false */
  readonly softFail?: boolean;
  /** Double the wait after every poke (bounded by `maxWait`). @default false */
  readonly exponentialBackoff?: boolean;
  /** Upper bound of the wait between pokes with exponential backoff. */
  readonly maxWait?: Duration;
}

export interface S3SensorSpec {
  readonly kind: 's3_sensor';
  readonly bucket: string;
  /** Exactly one of `key` (an object must exist at this key) and `prefix` (any object under it). */
  readonly key?: string;
  readonly prefix?: string;
  readonly sensor: SensorOptions;
}

export interface PollSensorSpec {
  readonly kind: 'poll_sensor';
  readonly fn: AnyTaskFunction;
  readonly sensor: SensorOptions;
}

/** A task as the author declared it: id, spec, options, inputs and where it came from. */
export interface DeclaredTask {
  readonly id: string;
  readonly spec: TaskSpec;
  readonly options: TaskOptions;
  /** The options set on the task itself (not inherited from `defaultArgs`): only these are refused where they do nothing. */
  readonly ownOptions: readonly string[];
  /** Named inputs: argument name -> upstream task id. Each is also an upstream dependency. */
  readonly inputs: Readonly<Record<string, string>>;
  /** The group the task was declared in, outermost first. */
  readonly groups: readonly string[];
  /** `file:line` of the call that declared it, for error messages. */
  readonly declaredAt?: string;
  /** Set on a setup task (`setup: true`). */
  readonly setup?: true;
  /** Set on a teardown task: the ids of its setups, and whether its failure fails the run. */
  readonly teardown?: { readonly setups: readonly string[]; readonly onFailureFailDagrun: boolean };
}
