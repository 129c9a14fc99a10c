import type { Asset } from './asset.ts';
import type { TaskCallback } from './callbacks.ts';
import type { Duration } from './duration.ts';
import type { TriggerRule } from './trigger-rule.ts';
import type { WeightRule } from './weight-rule.ts';

/**
 * Options every task accepts. Unset options come from the task group's and then the DAG's `defaultArgs`.
 */
export interface TaskOptions {
  /** How many times a failed try is retried. @default 0 */
  readonly retries?: number;
  /** Wait before the first retry. @default '5 minutes' (Airflow's default), rounded up to whole seconds */
  readonly retryDelay?: Duration;
  /** Double the delay after every retry. @default false */
  readonly exponentialBackoff?: boolean;
  /** Upper bound of the retry delay with exponential backoff. */
  readonly maxRetryDelay?: Duration;
  /** Randomize retry delays (Step Functions `JitterStrategy: FULL`). @default false */
  readonly retryJitter?: boolean;
  /** Hard limit on one try; a try that runs longer fails with `States.Timeout`. */
  readonly executionTimeout?: Duration;
  /** A worker that stops reporting for this long is considered lost and the try fails. @default '2 minutes' */
  readonly heartbeat?: Duration;
  /** When the task runs, given its upstream tasks' states. @default 'all_success' */
  readonly triggerRule?: TriggerRule;
  /** A named pool whose slots bound how many tasks run at once, across all runs. */
  readonly pool?: string;
  /** Slots this task holds in its pool. @default 1 */
  readonly poolSlots?: number;
  /** The worker queue (one SQS queue each). @default 'default' */
  readonly queue?: string;
  /**
   * Higher runs first when tasks wait for a pool or a concurrency limit, locally and in the cloud. The rank is the
   * effective weight `weightRule` computes (by default the task's own plus all its downstream tasks'). @default 1
   */
  readonly priorityWeight?: number;
  /**
   * How the effective priority weight is computed, as Airflow's `weight_rule`: `downstream` (own + every
   * downstream task's), `upstream` (own + every upstream task's) or `absolute` (own only). @default 'downstream'
   */
  readonly weightRule?: WeightRule;
  /**
   * Called once the task has failed for good: its last try failed (an error, `NonRetryableError`, a timeout, a
   * lost heartbeat). Code tasks only (see README, "Callbacks"); not for `upstream_failed` or `skipped`.
   */
  readonly onFailure?: TaskCallback;
  /** Called once a try of the task has succeeded. Code tasks only. */
  readonly onSuccess?: TaskCallback;
  /** Called when a try failed and another try follows (the task is `up_for_retry`). Code tasks only. */
  readonly onRetry?: TaskCallback;
  /**
   * @deprecated Airflow 3 removed SLAs and so does Airstep: `validate` refuses `sla`. Declare a deadline on the DAG
   * instead (`deadline: { reference: 'dataIntervalEnd', interval: '2 hours' }`).
   */
  readonly sla?: Duration;
  /** Markdown shown with the task. */
  readonly doc?: string;
  /**
   * The assets the task updates (Airflow's `outlets`): when the task succeeds (not when it fails or is skipped),
   * an event is recorded for each, and DAGs scheduled on them run when their condition is met. See README, "Assets".
   */
  readonly outlets?: readonly Asset[];
  /**
   * Airflow's `depends_on_past`. Not supported yet: `validate` refuses `true` (the cloud writes a run's task
   * records only when the run ends, so a run cannot wait on the previous run's task). See the README.
   */
  readonly dependsOnPast?: boolean;
  /** Airflow's `wait_for_downstream`. Not supported yet: `validate` refuses `true`, as for `dependsOnPast`. */
  readonly waitForDownstream?: boolean;
  /**
   * An IAM role the task's code runs under (`arn:aws:iam::<account>:role/<name>`), e.g. for data in another
   * account: the worker assumes it and `ctx.aws` makes clients with its credentials. The stack (the construct's
   * `assumableRoleArns`) or, locally, `airstep.config.json` must list it. Applies to tasks that run code on a
   * worker (code tasks and poll sensors); in the DAG's `defaultArgs` other steps ignore it.
   * @default the worker's own role
   */
  readonly runAs?: string;
}

/** Where a code task's function runs. */
export type Compute = 'lambda' | 'fargate';

export interface FargateOptions {
  /**
   * CPU units (256 = 0.25 vCPU); Fargate pairs each with a range of memory.
   * @default the smallest that fits `memory`: 256 without it
   */
  readonly cpu?: number;
  /** Memory in MiB. @default the smallest that fits `cpu`: 512 without it */
  readonly memory?: number;
  /** A container image to run instead of the Airstep worker image. */
  readonly image?: string;
  /** The command for `image`; without it the image's own entry point runs. */
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
}

/** The options every task factory accepts; code tasks add `inputs` and `compute`. */
export type DefaultArgs = TaskOptions;
