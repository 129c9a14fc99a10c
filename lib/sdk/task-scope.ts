import {
  type AwsSdkCommandClass,
  type AwsSdkOutput,
  type AwsSdkStepInput,
  type AwsSdkStepOptions,
  awsSdkStep,
  type CommandInput,
  type CommandOutput,
} from './aws-sdk-step.ts';
import type { TaskContext } from './context.ts';
import type { ExternalTaskSensorOptions, TriggerDagOptions } from './cross-dag.ts';
import type { DagGraph } from './dag-graph.ts';
import type { DistributedMapOptions } from './distributed-map-options.ts';
import type { Duration } from './duration.ts';
import { DagDefinitionError } from './errors.ts';
import { describe, isPlainObject, kwargsCaller, mappedTaskRefs, mappingSource } from './mapping-sources.ts';
import { setupTeardownMarks } from './setup-teardown.ts';
import type { Compute, FargateOptions, TaskOptions } from './task-options.ts';
import { type Dependency, DependencyNode, flatten, TaskRef } from './task-ref.ts';
import type { AnyTaskFunction, NativeAction, SensorOptions, TaskSpec } from './task-spec.ts';

/** Named upstream results a code task receives: argument name -> upstream task. */
export type Inputs = Readonly<Record<string, TaskRef<unknown>>>;

/** The values behind `Inputs`, typed by each upstream task's result. */
export type InputValues<I extends Inputs> = { [K in keyof I]: I[K] extends TaskRef<infer T> ? T : never };

/** Options of any task: retries, trigger rule, pool, … plus extra upstream dependencies. */
export interface CommonTaskOptions extends TaskOptions {
  /** Tasks or groups this task runs after, besides its inputs; a string names a task by its full id. */
  readonly upstream?: Dependency | string | ReadonlyArray<Dependency | string>;
  /**
   * Marks a setup task (Airflow's `as_setup()`): it creates something the work below it uses, and the teardowns
   * that name it in `teardown.setups` run whenever it succeeded. Its direct downstream tasks other than teardowns
   * must keep the `all_success` trigger rule (as Airflow requires).
   */
  readonly setup?: boolean;
  /**
   * Marks a teardown task (Airflow's `as_teardown(setups=…)`): it runs once all its upstream tasks ended, if one of
   * its setups succeeded, whatever the work between did (its trigger rule is Airflow's `all_done_setup_success`,
   * so `triggerRule` cannot be set). Its state does not count for the run's unless `onFailureFailDagrun`.
   */
  readonly teardown?: boolean | TeardownOptions;
}

/** The setups a teardown tears down, and whether its failure fails the run. */
export interface TeardownOptions {
  /** The setup tasks it cleans up after; each becomes an upstream task of the teardown. */
  readonly setups?: TaskRef<unknown> | ReadonlyArray<TaskRef<unknown>>;
  /** A failed teardown fails the run, as a failed leaf task does (Airflow's `on_failure_fail_dagrun`). @default false */
  readonly onFailureFailDagrun?: boolean;
}

/** Options of a code task (a TypeScript function run by an Airstep worker). */
export interface CodeTaskOptions<I extends Inputs = Inputs> extends CommonTaskOptions {
  /** Upstream results passed to the function as its second argument; each is also a dependency. */
  readonly inputs?: I;
  /** Run on the Airstep Lambda worker or as a Fargate task. @default 'lambda' */
  readonly compute?: Compute;
  /** Fargate size and image, with `compute: 'fargate'`. */
  readonly fargate?: FargateOptions;
}

export interface ExpandOptions<I extends Inputs, Item> extends CodeTaskOptions<I>, DistributedMapOptions {
  /** The list to map over: an upstream task whose result is a list, or a literal list. */
  readonly over: TaskRef<readonly Item[]> | readonly Item[];
  /** Fixed arguments given to every mapped item (Airflow's `partial`). */
  readonly partial?: Readonly<Record<string, unknown>>;
  /** At most this many items run at once. @default 0 (no limit beyond the DAG's) */
  readonly maxMapConcurrency?: number;
  /**
   * How many items a run of this task is expected to map over, at most, when `over` is an upstream task's
   * result (a literal list's count is known, so it is refused there). It only feeds the compile-time estimate of a
   * run's Step Functions history: `compile` counts this many items' events, and `validate` refuses a mapping whose
   * items would push a run past the 25,000 events an execution holds. It does not limit or change a run, locally
   * or in the cloud. @default unknown: the estimate counts one item and says so
   */
  readonly expectedItems?: number;
}

/** Named lists to map over together: each a list, or an upstream task whose result is one. */
export type MappedLists = Readonly<Record<string, TaskRef<readonly unknown[]> | readonly unknown[]>>;

/** One combination of `MappedLists`: a value of each list, under the list's name. */
export type ProductItem<L extends MappedLists> = {
  readonly [K in keyof L]: L[K] extends TaskRef<readonly (infer T)[]>
    ? T
    : L[K] extends readonly (infer T)[]
      ? T
      : never;
};

export interface ExpandProductOptions<I extends Inputs, L extends MappedLists> extends CodeTaskOptions<I> {
  /** Named lists: the task runs once per combination of their values (their cross product). */
  readonly over: L;
  /** Fixed arguments given to every mapped item (Airflow's `partial`); a name cannot be both mapped and partial. */
  readonly partial?: Readonly<Record<string, unknown>>;
  /** At most this many items run at once. @default 0 (no limit beyond the DAG's) */
  readonly maxMapConcurrency?: number;
  /**
   * How many combinations a run of this task is expected to map over, at most, when a list of `over` is an
   * upstream task's result (with literal lists only, the count is known, so it is refused there). It only feeds
   * the compile-time estimate of a run's Step Functions history: `compile` counts this many items' events, and
   * `validate` refuses a mapping whose items would push a run past the 25,000 events an execution holds. It does
   * not limit or change a run, locally or in the cloud. @default unknown: the estimate counts one item and says so
   */
  readonly expectedItems?: number;
}

export interface ExpandKwargsOptions<
  I extends Inputs,
  K extends Readonly<Record<string, unknown>>,
  F extends Readonly<Record<string, unknown>>,
> extends CodeTaskOptions<I>,
    DistributedMapOptions {
  /** The argument objects, one per mapped item: a literal list or an upstream task whose result is one. */
  readonly over: TaskRef<readonly K[]> | readonly K[];
  /** Arguments every item gets; an item's own field of the same name wins. */
  readonly partial?: F;
  /** At most this many items run at once. @default 0 (no limit beyond the DAG's) */
  readonly maxMapConcurrency?: number;
  /**
   * How many items a run of this task is expected to map over, at most, when `over` is an upstream task's
   * result (a literal list's count is known, so it is refused there). It only feeds the compile-time estimate of a
   * run's Step Functions history: `compile` counts this many items' events, and `validate` refuses a mapping whose
   * items would push a run past the 25,000 events an execution holds. It does not limit or change a run, locally
   * or in the cloud. @default unknown: the estimate counts one item and says so
   */
  readonly expectedItems?: number;
}

export interface ShortCircuitOptions<I extends Inputs> extends CodeTaskOptions<I> {
  /** When false is returned, skip every downstream task whatever its trigger rule (Airflow's default). @default true */
  readonly ignoreDownstreamTriggerRules?: boolean;
}

/** A poke function's answer: `true`/`false`, or `{ done, value }` to pass a value on as the sensor's result. */
export type PokeResult = boolean | { readonly done: boolean; readonly value?: unknown };

export interface TaskGroupOptions {
  /** Defaults for tasks in this group, over the DAG's `defaultArgs`. */
  readonly defaultArgs?: TaskOptions;
  /** Prefix task ids with the group id. @default true */
  readonly prefixGroupId?: boolean;
  readonly doc?: string;
}

/**
 * The options of `latestOnly`: the others mean nothing for a task that runs no code and never fails (validate
 * refuses them with the reason, see option-applicability.ts).
 */
const LATEST_ONLY_OPTIONS = ['upstream', 'triggerRule', 'doc'] as const;
export type LatestOnlyOptions = Pick<CommonTaskOptions, (typeof LATEST_ONLY_OPTIONS)[number]>;

/** A field that may hold `{{ templates }}` (`{{ ds }}`, `{{ params.x }}`, `{{ xcom.task }}`, …). */
export type Templated = string;

/**
 * The task factories shared by a DAG and its task groups. Each declares one task and returns its `TaskRef`.
 */
export class TaskScope<P = Record<string, unknown>> {
  /** @internal */
  protected readonly graph: DagGraph;
  /** @internal */
  protected readonly prefix: string;
  /** @internal */
  protected readonly groupPath: readonly string[];
  /** @internal */
  protected readonly scopeDefaults: TaskOptions;

  /** @internal */
  protected constructor(graph: DagGraph, prefix: string, groupPath: readonly string[], defaults: TaskOptions) {
    this.graph = graph;
    this.prefix = prefix;
    this.groupPath = groupPath;
    this.scopeDefaults = defaults;
  }

  /** A TypeScript function run by an Airstep worker; its return value (JSON) is its XCom. */
  task<R>(id: string, fn: (ctx: TaskContext<P>) => R): TaskRef<Awaited<R>>;
  task<I extends Inputs, R>(
    id: string,
    options: CodeTaskOptions<I>,
    fn: (ctx: TaskContext<P>, inputs: InputValues<I>) => R,
  ): TaskRef<Awaited<R>>;
  task(id: string, optionsOrFn: CodeTaskOptions | AnyTaskFunction, maybeFn?: AnyTaskFunction): TaskRef {
    const [options, fn] = splitArgs(optionsOrFn, maybeFn);
    return this.declareCode(id, 'task', options, fn);
  }

  /**
   * Dynamic task mapping: runs `fn` once per item of `over`, in parallel, as one Map state. With named lists
   * (`over: { x: [1, 2], y: task }`) it runs once per combination, the cross product Airflow's
   * `.expand(x=…, y=…)` makes, and the item is `{ x, y }`; map indexes go in Airflow's order (the last list varies
   * fastest).
   */
  expand<I extends Inputs, Item, R>(
    id: string,
    options: ExpandOptions<I, Item>,
    fn: (ctx: TaskContext<P>, item: Item, inputs: InputValues<I> & Readonly<Record<string, unknown>>) => R,
  ): TaskRef<Awaited<R>[]>;
  expand<I extends Inputs, L extends MappedLists, R>(
    id: string,
    options: ExpandProductOptions<I, L>,
    fn: (ctx: TaskContext<P>, item: ProductItem<L>, inputs: InputValues<I> & Readonly<Record<string, unknown>>) => R,
  ): TaskRef<Awaited<R>[]>;
  expand(
    id: string,
    options: ExpandOptions<Inputs, unknown> | ExpandProductOptions<Inputs, MappedLists>,
    fn: AnyTaskFunction,
  ): TaskRef<unknown[]> {
    const { over, partial, maxMapConcurrency, expectedItems, ...withDistribution } = options;
    const { distributed, toleratedFailureCount, toleratedFailurePercentage, ...rest } =
      withDistribution as typeof withDistribution & DistributedMapOptions;
    const source = mappingSource(over, (field, message) =>
      this.graph.problem({ taskId: this.qualify(id), field, message }),
    );
    const ref = this.declareCode(id, 'task', rest, fn, {
      over: source,
      ...(partial !== undefined ? { partial } : {}),
      ...compact({ maxMapConcurrency, expectedItems, distributed, toleratedFailureCount, toleratedFailurePercentage }),
    });
    for (const list of mappedTaskRefs(over)) this.graph.addEdge(list, ref);
    return ref as TaskRef<unknown[]>;
  }

  /**
   * Maps over a list of argument objects (Airflow's `expand_kwargs`): runs `fn` once per object, in list order,
   * with that object's fields over the `partial` ones as its second argument.
   */
  expandKwargs<
    I extends Inputs,
    K extends Readonly<Record<string, unknown>>,
    F extends Readonly<Record<string, unknown>>,
    R,
  >(
    id: string,
    options: ExpandKwargsOptions<I, K, F>,
    fn: (ctx: TaskContext<P>, kwargs: F & K, inputs: InputValues<I>) => R,
  ): TaskRef<Awaited<R>[]> {
    const {
      over,
      partial,
      maxMapConcurrency,
      expectedItems,
      distributed,
      toleratedFailureCount,
      toleratedFailurePercentage,
      ...rest
    } = options;
    const taskId = this.qualify(id);
    if (!(over instanceof TaskRef) && Array.isArray(over)) {
      for (const [index, item] of over.entries()) {
        if (!isPlainObject(item)) {
          this.graph.problem({
            taskId,
            field: `over[${index}]`,
            message: `must be an object of arguments, got ${describe(item)}`,
          });
        }
      }
    }
    const inputNames = Object.keys(rest.inputs ?? {});
    const ref = this.declareCode(
      id,
      'task',
      rest,
      kwargsCaller(taskId, partial ?? {}, inputNames, fn as AnyTaskFunction),
      {
        over: over instanceof TaskRef ? { task: over.id } : { items: Array.isArray(over) ? over : (over as never) },
        ...(partial !== undefined ? { partial } : {}),
        ...compact({
          maxMapConcurrency,
          expectedItems,
          distributed,
          toleratedFailureCount,
          toleratedFailurePercentage,
        }),
      },
    );
    if (over instanceof TaskRef) this.graph.addEdge(over, ref);
    return ref as TaskRef<Awaited<R>[]>;
  }

  /** Runs `fn`, which returns the id(s) of the direct downstream tasks to follow; the others are skipped. */
  branch<I extends Inputs>(
    id: string,
    options: CodeTaskOptions<I>,
    fn: (ctx: TaskContext<P>, inputs: InputValues<I>) => BranchChoice | Promise<BranchChoice>,
  ): TaskRef<string[]>;
  branch(id: string, fn: (ctx: TaskContext<P>) => BranchChoice | Promise<BranchChoice>): TaskRef<string[]>;
  branch(id: string, optionsOrFn: CodeTaskOptions | AnyTaskFunction, maybeFn?: AnyTaskFunction): TaskRef<string[]> {
    const [options, fn] = splitArgs(optionsOrFn, maybeFn);
    return this.declareCode(id, 'branch', options, fn) as TaskRef<string[]>;
  }

  /** Runs `fn`; when it returns false, downstream tasks are skipped. */
  shortCircuit<I extends Inputs>(
    id: string,
    options: ShortCircuitOptions<I>,
    fn: (ctx: TaskContext<P>, inputs: InputValues<I>) => boolean | Promise<boolean>,
  ): TaskRef<boolean>;
  shortCircuit(id: string, fn: (ctx: TaskContext<P>) => boolean | Promise<boolean>): TaskRef<boolean>;
  shortCircuit(
    id: string,
    optionsOrFn: ShortCircuitOptions<Inputs> | AnyTaskFunction,
    maybeFn?: AnyTaskFunction,
  ): TaskRef<boolean> {
    const [options, fn] = splitArgs(optionsOrFn, maybeFn);
    const { ignoreDownstreamTriggerRules, ...rest } = options as ShortCircuitOptions<Inputs>;
    return this.declareCode(
      id,
      'short_circuit',
      rest,
      fn,
      undefined,
      ignoreDownstreamTriggerRules ?? true,
    ) as TaskRef<boolean>;
  }

  /**
   * A sensor that calls `fn` every `pokeInterval` until it reports done; no worker is held between pokes. Pokes run
   * on the Lambda worker (a poke is short; the waits between pokes are the state machine's).
   */
  sensor<I extends Inputs>(
    id: string,
    options: CommonTaskOptions & SensorOptions & { readonly inputs?: I },
    fn: (ctx: TaskContext<P>, inputs: InputValues<I>) => PokeResult | Promise<PokeResult>,
  ): TaskRef<unknown> {
    const { pokeInterval, timeout, softFail, exponentialBackoff, maxWait, inputs, ...rest } = options;
    const sensor = compact({ pokeInterval, timeout, softFail, exponentialBackoff, maxWait });
    return this.declare(id, { kind: 'poll_sensor', fn: fn as AnyTaskFunction, sensor }, rest, inputs);
  }

  /** Waits until an S3 object exists at `key` (or any object under `prefix`), polling with `ListObjectsV2`. */
  s3Sensor(
    id: string,
    options: CommonTaskOptions &
      SensorOptions & { readonly bucket: Templated; readonly key?: Templated; readonly prefix?: Templated },
  ): TaskRef<{ key: string }> {
    const { bucket, key, prefix, pokeInterval, timeout, softFail, exponentialBackoff, maxWait, ...rest } = options;
    const sensor = compact({ pokeInterval, timeout, softFail, exponentialBackoff, maxWait });
    return this.declare(id, { kind: 's3_sensor', bucket, ...compact({ key, prefix }), sensor }, rest) as TaskRef<never>;
  }

  /**
   * Starts a run of another deployed DAG with `conf` (Airflow's `TriggerDagRunOperator`), optionally waiting for
   * it; a step of the state machine, no worker. Its result is `{ dagId, runId }` of the run.
   */
  triggerDag(id: string, options: CommonTaskOptions & TriggerDagOptions): TaskRef<{ dagId: string; runId: string }> {
    const { dagId, conf, logicalDate, runId, waitForCompletion, allowedStates, failedStates, ...others } = options;
    const { pokeInterval, timeout, softFail, exponentialBackoff, maxWait, ...rest } = others;
    const sensor = compact({ pokeInterval, timeout, softFail, exponentialBackoff, maxWait });
    const fields = compact({ conf, logicalDate, runId, allowedStates, failedStates });
    return this.declare(
      id,
      { kind: 'trigger_dag', dagId, waitForCompletion: waitForCompletion === true, ...fields, sensor },
      rest,
    ) as TaskRef<never>;
  }

  /**
   * Waits for another DAG's run, or one of its tasks, for the same logical date (Airflow's `ExternalTaskSensor`):
   * DynamoDB reads of the stack's run records in the state machine, no worker.
   */
  externalTaskSensor(
    id: string,
    options: CommonTaskOptions & ExternalTaskSensorOptions,
  ): TaskRef<{ runId: string; state: string }> {
    const { externalDagId, externalTaskId, logicalDate, allowedStates, failedStates, skippedStates, ...others } =
      options;
    const { pokeInterval, timeout, softFail, exponentialBackoff, maxWait, ...rest } = others;
    const sensor = compact({ pokeInterval, timeout, softFail, exponentialBackoff, maxWait });
    const fields = compact({ externalTaskId, logicalDate, allowedStates, failedStates, skippedStates });
    return this.declare(id, { kind: 'external_task_sensor', externalDagId, ...fields, sensor }, rest) as TaskRef<never>;
  }

  /** Invokes an existing Lambda function by name or ARN; its response payload is the task's result. */
  invokeLambda(
    id: string,
    options: CommonTaskOptions & { readonly functionName: string; readonly payload?: unknown },
  ): TaskRef<unknown> {
    const { functionName, payload, ...rest } = options;
    return this.declare(id, { kind: 'lambda_invoke', functionName, ...compact({ payload }) }, rest);
  }

  /** Runs a container image on ECS Fargate and waits for it (the container reports back with the task token). */
  container(id: string, options: CommonTaskOptions & FargateOptions & { readonly image: string }): TaskRef<unknown> {
    const { image, command, cpu, memory, environment, ...rest } = options;
    return this.declare(
      id,
      { kind: 'container', fargate: compact({ image, command, cpu, memory, environment }) },
      rest,
    );
  }

  /** Copies an S3 object (Step Functions `aws-sdk:s3:copyObject`, no worker). */
  s3Copy(
    id: string,
    options: CommonTaskOptions & {
      readonly sourceBucket: Templated;
      readonly sourceKey: Templated;
      readonly bucket: Templated;
      readonly key: Templated;
    },
  ): TaskRef<unknown> {
    const { sourceBucket, sourceKey, bucket, key, ...rest } = options;
    return this.native(id, 's3_copy', { sourceBucket, sourceKey, bucket, key }, rest);
  }

  /** Writes an S3 object (`aws-sdk:s3:putObject`). */
  s3Put(
    id: string,
    options: CommonTaskOptions & {
      readonly bucket: Templated;
      readonly key: Templated;
      readonly body: Templated;
      readonly contentType?: string;
    },
  ): TaskRef<unknown> {
    const { bucket, key, body, contentType, ...rest } = options;
    return this.native(id, 's3_put', compact({ bucket, key, body, contentType }), rest);
  }

  /** Lists S3 keys under a prefix (`aws-sdk:s3:listObjectsV2`); the result is the ListObjectsV2 response. */
  s3List(
    id: string,
    options: CommonTaskOptions & { readonly bucket: Templated; readonly prefix?: Templated; readonly maxKeys?: number },
  ): TaskRef<{ KeyCount: number; Contents?: Array<{ Key: string; Size: number }> }> {
    const { bucket, prefix, maxKeys, ...rest } = options;
    return this.native(id, 's3_list', compact({ bucket, prefix, maxKeys }), rest) as TaskRef<never>;
  }

  /** Reads a DynamoDB item (`dynamodb:getItem`); `key` is in DynamoDB JSON (`{ pk: { S: '…' } }`). */
  dynamoGet(
    id: string,
    options: CommonTaskOptions & { readonly table: Templated; readonly key: Readonly<Record<string, unknown>> },
  ): TaskRef<unknown> {
    const { table, key, ...rest } = options;
    return this.native(id, 'dynamodb_get', { table, key }, rest);
  }

  /** Writes a DynamoDB item (`dynamodb:putItem`); `item` is in DynamoDB JSON. */
  dynamoPut(
    id: string,
    options: CommonTaskOptions & { readonly table: Templated; readonly item: Readonly<Record<string, unknown>> },
  ): TaskRef<unknown> {
    const { table, item, ...rest } = options;
    return this.native(id, 'dynamodb_put', { table, item }, rest);
  }

  /** Updates a DynamoDB item (`dynamodb:updateItem`). */
  dynamoUpdate(
    id: string,
    options: CommonTaskOptions & {
      readonly table: Templated;
      readonly key: Readonly<Record<string, unknown>>;
      readonly updateExpression: string;
      readonly expressionAttributeValues?: Readonly<Record<string, unknown>>;
      readonly expressionAttributeNames?: Readonly<Record<string, string>>;
    },
  ): TaskRef<unknown> {
    const { table, key, updateExpression, expressionAttributeValues, expressionAttributeNames, ...rest } = options;
    const fields = compact({ table, key, updateExpression, expressionAttributeValues, expressionAttributeNames });
    return this.native(id, 'dynamodb_update', fields, rest);
  }

  /** Sends an SQS message (`sqs:sendMessage`). */
  sqsSend(
    id: string,
    options: CommonTaskOptions & { readonly queueUrl: Templated; readonly body: unknown },
  ): TaskRef<unknown> {
    const { queueUrl, body, ...rest } = options;
    return this.native(id, 'sqs_send', { queueUrl, body }, rest);
  }

  /** Publishes to an SNS topic (`sns:publish`). */
  snsPublish(
    id: string,
    options: CommonTaskOptions & { readonly topicArn: Templated; readonly message: unknown; readonly subject?: string },
  ): TaskRef<unknown> {
    const { topicArn, message, subject, ...rest } = options;
    return this.native(id, 'sns_publish', compact({ topicArn, message, subject }), rest);
  }

  /** Puts events on an EventBridge bus (`events:putEvents`). */
  eventsPut(
    id: string,
    options: CommonTaskOptions & {
      readonly entries: ReadonlyArray<{
        readonly source: string;
        readonly detailType: string;
        readonly detail: unknown;
        readonly eventBusName?: string;
      }>;
    },
  ): TaskRef<unknown> {
    const { entries, ...rest } = options;
    return this.native(id, 'events_put', { entries }, rest);
  }

  /**
   * Calls any AWS API from the state machine, no worker (`aws-sdk:<service>:<action>`, or the optimised `.sync`
   * integration with `sync: true`). `command` is the AWS SDK v3 command class, which types `input`:
   * `awsSdk('run_query', StartQueryExecutionCommand, { QueryString: '… {{ ds }} …' }, { sync: true })`.
   * Strings may hold `{{ templates }}`. The stack's role must allow the action (the construct's `awsSdkActions`).
   */
  awsSdk<C extends AwsSdkCommandClass, O extends CommonTaskOptions & AwsSdkStepOptions = CommonTaskOptions>(
    id: string,
    command: C,
    input: AwsSdkStepInput<CommandInput<C>>,
    options?: O,
  ): TaskRef<O['sync'] extends true ? unknown : AwsSdkOutput<CommandOutput<C>>> {
    const { sync, ...rest } = (options ?? {}) as CommonTaskOptions & AwsSdkStepOptions;
    const step = awsSdkStep(command, input, sync);
    const ref = this.native(id, 'aws_sdk', step.fields, rest);
    for (const problem of step.problems) this.graph.problem({ taskId: ref.id, ...problem });
    return ref as TaskRef<never>;
  }

  /** Waits for a duration, or until a (templated) timestamp, without any worker. */
  wait(
    id: string,
    options: CommonTaskOptions & { readonly duration?: Duration; readonly until?: Templated },
  ): TaskRef<null> {
    const { duration, until, ...rest } = options;
    return this.declare(id, { kind: 'wait', ...compact({ duration, until }) }, rest) as TaskRef<null>;
  }

  /** A task that does nothing: a join point or a placeholder (Airflow's `EmptyOperator`). */
  empty(id: string, options: CommonTaskOptions = {}): TaskRef<null> {
    return this.declare(id, { kind: 'empty' }, options) as TaskRef<null>;
  }

  /**
   * Airflow's `LatestOnlyOperator`: in a scheduled or backfill run that is not the latest (the latest is the run
   * whose data interval started before now and whose schedule's next interval has not ended yet), it skips its direct
   * downstream tasks, whatever their trigger rules; their own downstream tasks then apply their trigger rules. Manual and event runs, and runs
   * with no next interval, always go on. The task itself always succeeds. Decided in the state machine, no worker.
   */
  latestOnly(id: string, options: LatestOnlyOptions = {}): TaskRef<null> {
    // Options a JavaScript caller passes beyond the type are refused by validate (option-applicability.ts).
    return this.declare(id, { kind: 'latest_only' }, options) as TaskRef<null>;
  }

  /** Declares tasks inside a group: ids get the group id as prefix and the group's `defaultArgs`. */
  group(id: string, build: (group: TaskGroup<P>) => void): TaskGroup<P>;
  group(id: string, options: TaskGroupOptions, build: (group: TaskGroup<P>) => void): TaskGroup<P>;
  group(
    id: string,
    optionsOrBuild: TaskGroupOptions | ((group: TaskGroup<P>) => void),
    maybeBuild?: (group: TaskGroup<P>) => void,
  ): TaskGroup<P> {
    const options = typeof optionsOrBuild === 'function' ? {} : optionsOrBuild;
    const build = typeof optionsOrBuild === 'function' ? optionsOrBuild : maybeBuild;
    const groupId = this.qualify(id);
    for (const field of ['expand', 'expandKwargs'].filter((name) => Object.hasOwn(options, name))) {
      // Airflow's mapped task groups: not built (README, "Mapped task groups"); say so rather than ignore it.
      this.graph.problem({
        taskId: groupId,
        field,
        message:
          'mapped task groups are not supported (each item would need the whole group as a Map sub-graph); map a single task with expand, or move the group into one mapped task',
      });
    }
    if (this.graph.groups.has(groupId) || this.graph.tasks.has(groupId)) {
      this.graph.problem({ taskId: groupId, field: 'id', message: `duplicate task or group id '${groupId}'` });
    }
    const parent = this.groupPath.at(-1);
    this.graph.groups.set(groupId, { id: groupId, ...compact({ parent, doc: options.doc }) });
    const prefix = options.prefixGroupId === false ? this.prefix : `${groupId}.`;
    const defaults = { ...this.scopeDefaults, ...options.defaultArgs };
    const group = new TaskGroup<P>(this.graph, groupId, prefix, [...this.groupPath, groupId], defaults);
    build?.(group);
    return group;
  }

  private native(
    id: string,
    action: NativeAction,
    fields: Record<string, unknown>,
    options: CommonTaskOptions,
  ): TaskRef<unknown> {
    return this.declare(id, { kind: 'native', action, fields }, options);
  }

  private declareCode(
    id: string,
    role: 'task' | 'branch' | 'short_circuit',
    options: CodeTaskOptions,
    fn: AnyTaskFunction,
    mapping?: NonNullable<Extract<TaskSpec, { kind: 'code' }>['mapping']>,
    ignoreDownstreamTriggerRules?: boolean,
  ): TaskRef {
    const { inputs, compute, fargate, ...rest } = options;
    const spec: TaskSpec = {
      kind: 'code',
      role,
      fn,
      compute: compute ?? (fargate !== undefined ? 'fargate' : 'lambda'),
      ...compact({ fargate, mapping, ignoreDownstreamTriggerRules }),
    };
    return this.declare(id, spec, rest, inputs);
  }

  /** Records a task; problems (duplicate ids, foreign inputs) are collected, never thrown. */
  protected declare(id: string, spec: TaskSpec, options: CommonTaskOptions, inputs?: Inputs): TaskRef {
    const taskId = this.qualify(id);
    const ref = new TaskRef(this.graph, taskId);
    if (typeof id !== 'string') {
      // From JavaScript or a cast: 42 or null would become the task '42' or 'null' here, and collide with it.
      const given: unknown = id;
      const shown = given === null ? 'null' : `${typeof given} ${String(given)}`;
      this.graph.problem({ taskId, field: 'id', message: `must be a string, got ${shown}` });
      return ref;
    }
    const { upstream, setup, teardown, ...taskOptions } = options;
    const inputIds: Record<string, string> = {};
    const inputRefs: TaskRef[] = [];
    for (const [name, input] of Object.entries(inputs ?? {})) {
      if (!(input instanceof TaskRef)) {
        this.graph.problem({
          taskId,
          field: `inputs.${name}`,
          message: 'must be a task (the value a factory returned)',
        });
        continue;
      }
      if (input.graph !== this.graph) {
        // One problem, on the input the author wrote (not a second one on the edge it would have made).
        this.graph.problem({
          taskId,
          field: `inputs.${name}`,
          message: `'${input.id}' belongs to DAG '${input.graph.dagId}'; dependencies cannot cross DAGs`,
        });
        continue;
      }
      inputIds[name] = input.id;
      inputRefs.push(input);
    }
    if (this.graph.tasks.has(taskId) || this.graph.groups.has(taskId)) {
      this.graph.problem({ taskId, field: 'id', message: `duplicate task id '${taskId}'`, ...where() });
      return ref;
    }
    const { marks, setupRefs } = setupTeardownMarks(taskId, { setup, teardown }, taskOptions.triggerRule, this.graph);
    // A teardown waits for all its upstream tasks (all_done, then its setups decide): a DAG-wide or group default
    // trigger rule does not apply to it, as in Airflow.
    const fixedRule = marks.teardown !== undefined ? { triggerRule: 'all_done' as const } : {};
    this.graph.tasks.set(taskId, {
      id: taskId,
      spec,
      options: { ...this.scopeDefaults, ...taskOptions, ...fixedRule },
      ownOptions: Object.keys(taskOptions).filter(
        (name) => (taskOptions as Record<string, unknown>)[name] !== undefined,
      ),
      inputs: inputIds,
      groups: this.groupPath,
      ...marks,
      ...where(),
    });
    for (const input of inputRefs) this.graph.addEdge(input, ref);
    for (const setupRef of setupRefs) this.graph.addEdge(setupRef, ref);
    for (const entry of upstream === undefined ? [] : Array.isArray(upstream) ? upstream : [upstream]) {
      if (typeof entry === 'string') {
        this.graph.edges.push({ from: { kind: 'task', id: entry }, to: { kind: 'task', id: taskId } });
        continue;
      }
      try {
        for (const node of flatten(entry as Dependency)) this.graph.addEdge(node, ref);
      } catch (error) {
        if (!(error instanceof DagDefinitionError)) throw error;
        this.graph.problem({ taskId, field: 'upstream', message: error.message });
      }
    }
    return ref;
  }

  private qualify(id: string): string {
    return `${this.prefix}${id}`;
  }
}

/** What a branch function returns: the id(s) or task(s) to follow. */
export type BranchChoice = string | TaskRef<unknown> | ReadonlyArray<string | TaskRef<unknown>>;

/**
 * A group of tasks: ids are prefixed with the group id, defaults apply to its tasks, and graphs draw it as a box.
 * As a dependency it stands for its first tasks (downstream) or its last tasks (upstream).
 */
export class TaskGroup<P = Record<string, unknown>> extends TaskScope<P> {
  readonly id: string;
  private readonly node: GroupNode;

  /** @internal */
  constructor(graph: DagGraph, id: string, prefix: string, groupPath: readonly string[], defaults: TaskOptions) {
    super(graph, prefix, groupPath, defaults);
    this.id = id;
    this.node = new GroupNode(graph, id);
  }

  /** Makes `downstream` run after this group's last tasks; returns it. */
  // biome-ignore lint/suspicious/noThenProperty: `group.then(task)` is the dependency API (see DependencyNode.then)
  then<D extends Dependency>(downstream: D): D {
    return this.node.then(downstream);
  }

  /** Makes this group's first tasks run after every `upstream`; returns this group. */
  after(...upstream: Dependency[]): this {
    this.node.after(...upstream);
    return this;
  }

  /** The dependency node that stands for this group. */
  get asNode(): DependencyNode {
    return this.node;
  }
}

class GroupNode extends DependencyNode {
  readonly nodeKind = 'group' as const;
  constructor(graph: DagGraph, id: string) {
    super(graph, id);
  }
}

function splitArgs<O extends object>(
  optionsOrFn: O | AnyTaskFunction,
  maybeFn?: AnyTaskFunction,
): [O, AnyTaskFunction] {
  if (typeof optionsOrFn === 'function') return [{} as O, optionsOrFn];
  return [optionsOrFn, maybeFn as AnyTaskFunction];
}

/** Drops keys whose value is undefined, so specs and IR never carry `undefined`. */
export function compact<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) if (entry !== undefined) out[key] = entry;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** The `file:line` of the DAG-file call that declared something (skipping Airstep's own frames). */
function where(): { declaredAt?: string } {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 6;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  for (const line of stack.split('\n').slice(1)) {
    const match = /\(?((?:file:\/\/)?[^()\s]+):(\d+):\d+\)?$/.exec(line.trim());
    if (match === null || match[1]!.includes('/lib/sdk/')) continue;
    return { declaredAt: `${match[1]!.replace(/^file:\/\//, '')}:${match[2]}` };
  }
  return {};
}
