import type { TaskOptions } from '../sdk/task-options.ts';
import type { TaskSpec } from '../sdk/task-spec.ts';

/**
 * Which kinds of task each task option does something for. An option set on a task of another kind would be
 * accepted and ignored, so `validate` refuses it and says why. The same option coming from `defaultArgs` (the
 * DAG's or a group's) applies to the tasks it fits and is left off the others, as Airflow's `default_args` are.
 *
 * The facts behind each rule are in the emitter (`task-states.ts`): which states carry `Retry`,
 * `TimeoutSeconds`, `HeartbeatSeconds`, and which tasks a worker runs (and so can hold slots and use a queue).
 */

/** A task as the options see it: what runs it. */
type Shape =
  | 'lambda_code'
  | 'fargate_code'
  | 'poll_sensor'
  | 'container'
  | 'lambda_invoke'
  | 'native'
  | 's3_sensor'
  | 'wait'
  | 'empty'
  | 'latest_only'
  | 'trigger_dag'
  | 'external_task_sensor';

export function shapeOf(spec: TaskSpec): Shape {
  if (spec.kind === 'code') return spec.compute === 'fargate' ? 'fargate_code' : 'lambda_code';
  return spec.kind;
}

const SERVICE_CALLS: readonly Shape[] = ['container', 'lambda_invoke', 'native'];
const RUNS_CODE: readonly Shape[] = ['lambda_code', 'fargate_code', 'poll_sensor'];
const CAN_FAIL: readonly Shape[] = [...RUNS_CODE, ...SERVICE_CALLS, 's3_sensor', 'trigger_dag', 'external_task_sensor'];

const describe: Record<Shape, string> = {
  lambda_code: 'a code task',
  fargate_code: 'a Fargate code task',
  poll_sensor: 'a sensor',
  container: 'a container step',
  lambda_invoke: 'an invokeLambda step',
  native: 'a native AWS step',
  s3_sensor: 'an s3Sensor',
  wait: 'a wait step',
  empty: 'an empty task',
  latest_only: 'a latestOnly task',
  trigger_dag: 'a triggerDag step',
  external_task_sensor: 'an externalTaskSensor',
};

interface Rule {
  readonly appliesTo: readonly Shape[];
  /** Why the option does nothing for `shape` (a sentence fragment after "<kind>: "). */
  readonly because: (shape: Shape) => string;
}

const cannotFail = (shape: Shape) =>
  `it cannot fail, so nothing is retried (${shape === 'wait' ? 'a wait only waits' : 'it does no work'})`;

const retry: Rule = { appliesTo: CAN_FAIL, because: cannotFail };
const RETRY_SHAPING = ['retryDelay', 'exponentialBackoff', 'maxRetryDelay', 'retryJitter'] as const;

const noWorker = (what: string) => (shape: Shape) =>
  shape === 'container'
    ? `your own image runs without an Airstep worker, so nothing ${what}`
    : `it runs without an Airstep worker, so nothing ${what}`;

// Callbacks run on the worker that ran the try (or are sent to it), from the task's own code module.
const RUNS_TASK_CODE: readonly Shape[] = ['lambda_code', 'fargate_code'];
const noTaskCallbacks = (shape: Shape) =>
  `${shape === 'poll_sensor' ? 'its pokes call' : 'no Airstep worker runs task code for it, so nothing calls'} task callbacks; they are for code tasks (use the DAG's onFailure / onSuccess for the run)`;

const slotsNeedAWorker = (shape: Shape) =>
  shape === 'container'
    ? "your own image answers its own token and no Airstep worker holds pool slots for it (use a code task with compute: 'fargate')"
    : noWorker('holds pool slots')(shape);

/**
 * The rules, one per task option that does not apply everywhere. Options absent here apply to every task
 * (`triggerRule`, `doc`, `priorityWeight`, which counts towards other tasks' weights) or are refused outright
 * elsewhere (`sla`, `dependsOnPast`, `waitForDownstream`).
 */
export const OPTION_RULES: Partial<Record<keyof TaskOptions, Rule>> = {
  retries: retry,
  retryDelay: retry,
  exponentialBackoff: retry,
  maxRetryDelay: {
    appliesTo: [...SERVICE_CALLS, 'lambda_code', 'fargate_code'],
    because: (shape) =>
      shape === 'poll_sensor' || shape === 's3_sensor' || shape === 'external_task_sensor' || shape === 'trigger_dag'
        ? "a sensor's `exponentialBackoff` is its poke backoff, so its retries never back off toward a maximum"
        : cannotFail(shape),
  },
  retryJitter: retry,
  executionTimeout: {
    appliesTo: [...RUNS_CODE, ...SERVICE_CALLS],
    because: (shape) =>
      shape === 's3_sensor' || shape === 'external_task_sensor' || shape === 'trigger_dag'
        ? "a sensor's limit is its `timeout` (pokes and waits together); executionTimeout bounds one try"
        : 'it does no work that could be timed out',
  },
  heartbeat: {
    appliesTo: [...RUNS_CODE, 'container'],
    because: noWorker('heartbeats'),
  },
  pool: { appliesTo: RUNS_CODE, because: slotsNeedAWorker },
  poolSlots: { appliesTo: RUNS_CODE, because: slotsNeedAWorker },
  weightRule: {
    appliesTo: RUNS_CODE,
    because: () =>
      "it never waits for a pool or maxActiveTasks slot, so its own weight rule is never used (its priorityWeight still counts towards other tasks' weights)",
  },
  runAs: {
    appliesTo: RUNS_CODE,
    because: (shape) =>
      `it runs no task code on a worker (it runs as ${shape === 'container' ? 'the container task role' : "the state machine's role"}); runAs is for code tasks and poll sensors`,
  },
  onFailure: { appliesTo: RUNS_TASK_CODE, because: noTaskCallbacks },
  onRetry: { appliesTo: RUNS_TASK_CODE, because: noTaskCallbacks },
  onSuccess: { appliesTo: RUNS_TASK_CODE, because: noTaskCallbacks },
  queue: {
    appliesTo: ['lambda_code', 'poll_sensor'],
    because: (shape) =>
      shape === 'fargate_code'
        ? 'it starts with ECS RunTask, not from a worker queue'
        : noWorker('reads a worker queue')(shape),
  },
};

/** Whether an option (from wherever it came) takes effect on a task of this spec. */
export function optionApplies(option: keyof TaskOptions, spec: TaskSpec): boolean {
  const rule = OPTION_RULES[option];
  return rule === undefined || rule.appliesTo.includes(shapeOf(spec));
}

/**
 * Problems for options set on the task itself that do nothing for its kind, and for option pairs where one is
 * meaningless without the other.
 */
export function inapplicableOptions(
  spec: TaskSpec,
  ownOptions: readonly string[],
  options: TaskOptions,
): Array<{ field: string; message: string }> {
  const shape = shapeOf(spec);
  const problems: Array<{ field: string; message: string }> = [];
  for (const option of ownOptions) {
    const rule = OPTION_RULES[option as keyof TaskOptions];
    if (rule === undefined || rule.appliesTo.includes(shape)) continue;
    problems.push({ field: option, message: `does nothing for ${describe[shape]}: ${rule.because(shape)}` });
  }
  if (
    ownOptions.includes('poolSlots') &&
    options.pool === undefined &&
    OPTION_RULES.poolSlots!.appliesTo.includes(shape)
  ) {
    problems.push({ field: 'poolSlots', message: 'needs `pool`: slots are held in a named pool' });
  }
  const retried = typeof options.retries === 'number' && options.retries > 0;
  for (const option of RETRY_SHAPING) {
    if (!ownOptions.includes(option) || retried || !retry.appliesTo.includes(shape)) continue;
    if (problems.some((problem) => problem.field === option)) continue;
    problems.push({ field: option, message: 'shapes retries, but the task has `retries: 0`' });
  }
  if (
    ownOptions.includes('maxRetryDelay') &&
    retried &&
    options.exponentialBackoff !== true &&
    OPTION_RULES.maxRetryDelay!.appliesTo.includes(shape)
  ) {
    problems.push({
      field: 'maxRetryDelay',
      message: 'needs `exponentialBackoff: true`: without backoff every delay is `retryDelay`',
    });
  }
  if (spec.kind === 'code' && spec.compute === 'lambda' && spec.fargate !== undefined) {
    problems.push({ field: 'fargate', message: "sizes a Fargate task; this task has `compute: 'lambda'`" });
  }
  if (spec.kind === 'code' && (spec.fargate?.image !== undefined || spec.fargate?.command !== undefined)) {
    const field = spec.fargate?.image !== undefined ? 'fargate.image' : 'fargate.command';
    problems.push({
      field,
      message: 'would run another image instead of this task’s function; use `container` for an image of your own',
    });
  }
  return problems;
}
