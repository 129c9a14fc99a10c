import type { DeadlineSpec, EventBridgeSchedule } from '../schedule/index.ts';
import type { ParamSpec } from '../sdk/params.ts';
import type { AssetConditionIR, AssetIR } from './asset-ir.ts';
import { distributedItemSources } from './distributed-map-states.ts';
import { fargateRunSize } from './fargate-size.ts';
import type { DagIR, TaskIR } from './ir.ts';
import type { MachinesSummary } from './machines-summary.ts';
import { mappedOverTasks } from './mapping-ir.ts';
import { effectivePriorityWeights } from './priority-weights.ts';
import { taskCompute } from './task-compute.ts';
import type { TransitionStats } from './transition-stats.ts';

/**
 * What deploying and running a DAG needs besides its ASL: the schedule, the params schema, the queues, pools,
 * compute and AWS resources its states touch, and an index of its tasks with every fact a worker needs to run one
 * (heartbeat, pool, priority, branch targets, XCom offload). dag-sync stores it beside the DAG's bundle; the
 * Lambda and Fargate workers and the local engine read it, never the authored DAG (see worker-contract.ts).
 */
export const MANIFEST_VERSION = 2;

export interface DagManifest {
  readonly manifestVersion: typeof MANIFEST_VERSION;
  readonly irVersion: number;
  readonly dagId: string;
  /** The DAG file, relative to the DAGs folder; the worker loads task functions from its bundle. */
  readonly bundleEntry?: string;
  readonly description?: string;
  readonly owner?: string;
  /** The DAG's `doc` (Markdown), for whatever shows the DAG. */
  readonly doc?: string;
  /** Task groups with their parent group and `doc`. */
  readonly taskGroups?: ReadonlyArray<{ readonly id: string; readonly parent?: string; readonly doc?: string }>;
  readonly tags: readonly string[];
  readonly schedule: DagIR['schedule'] & { readonly eventbridge: readonly EventBridgeSchedule[] };
  /** The assets the DAG runs on (Airflow's asset schedule), besides `schedule.expression` when it has one. */
  readonly assets?: AssetConditionIR;
  readonly maxActiveRuns: number;
  readonly maxActiveTasks: number;
  readonly dagrunTimeoutSeconds?: number;
  /**
   * The run callbacks the DAG has (absent: none): the recorder sends a callback message for a run that ended
   * only when the DAG has the callback, without loading its code.
   */
  readonly callbacks?: readonly ('onFailure' | 'onSuccess')[];
  /** When a run must have ended by; the local engine watches it (the cloud reads it from the DAG record). */
  readonly deadline?: DeadlineSpec;
  /** The deadline has a `callback`: the recorder sends a callback message on a miss only then. */
  readonly deadlineCallback?: true;
  readonly xcomOffloadBytes: number;
  /** JSON Schema of the conf a trigger may pass. */
  readonly paramsSchema: Record<string, unknown>;
  /** The `${Placeholders}` the ASL uses. */
  readonly placeholders: readonly string[];
  readonly queues: readonly string[];
  /** Pools the DAG uses, with the most slots one of its tasks holds. */
  readonly pools: ReadonlyArray<{ readonly name: string; readonly maxSlots: number }>;
  readonly compute: {
    readonly lambdaWorker: boolean;
    readonly fargateWorkerSizes: ReadonlyArray<{ readonly cpu: number; readonly memory: number }>;
    readonly containers: ReadonlyArray<{
      readonly taskKey: string;
      readonly image: string;
      readonly cpu: number;
      readonly memory: number;
    }>;
  };
  /** AWS resources the state machine calls directly (templated names stay templated; IAM widens them to `*`). */
  readonly integrations: {
    readonly controlQueue: boolean;
    readonly lambdaFunctions: readonly string[];
    readonly s3Buckets: readonly string[];
    readonly dynamodbTables: readonly string[];
    readonly sqsQueues: readonly string[];
    readonly snsTopics: readonly string[];
    readonly eventBuses: readonly string[];
  };
  readonly tasks: ReadonlyArray<{
    readonly id: string;
    readonly key: string;
    readonly stateName: string;
    readonly kind: TaskIR['kind'];
    readonly role?: string;
    readonly upstream: readonly string[];
    readonly triggerRule: string;
    readonly queue: string;
    readonly pool?: { readonly name: string; readonly slots: number };
    /**
     * The effective priority weight its `weightRule` gives (by default, Airflow's `downstream`: the task's own plus
     * its downstream tasks'). Tries waiting for a pool or maxActiveTasks slot are served by it, locally and in the
     * cloud.
     */
    readonly priorityWeight: number;
    /** HeartbeatSeconds of its worker state: the worker heartbeats three times as often. */
    readonly heartbeatSeconds?: number;
    /** A branch task's direct downstream task ids (task groups resolved to their first tasks), sorted. */
    readonly branchTargets?: readonly string[];
    /** Some task expands (maps) over this task's result: a large list result keeps its shape. */
    readonly feedsMap: boolean;
    /** A distributed mapping reads this task's list with ItemReader: the worker writes it whole to the XCom store. */
    readonly feedsDistributedMap?: true;
    /** A Fargate task reads this task's result (an input or the list it maps over): it travels in RunTask's 8 KiB. */
    readonly feedsFargate: boolean;
    readonly retries: number;
    /** The task's callbacks (code tasks only), sorted: which tries' ends the worker calls back for. */
    readonly callbacks: readonly ('onFailure' | 'onRetry' | 'onSuccess')[];
    readonly mapped: boolean;
    readonly groups: readonly string[];
    /** The IAM role the worker assumes for the task's code; unset: the worker's own role. */
    readonly runAs?: string;
    /** The task's `doc` (Markdown); also the Comment of its first state. */
    readonly doc?: string;
    /** Where the task's own work runs (unset: Step Functions runs the step itself), for whatever shows the DAG. */
    readonly compute?: 'lambda' | 'fargate';
    /** The Fargate size it runs with (CPU units, MiB). */
    readonly size?: { readonly cpu: number; readonly memory: number };
    /** The assets the task updates: an event for each when it succeeds. */
    readonly outlets?: readonly AssetIR[];
    /** A setup task (Airflow's `as_setup`). */
    readonly setup?: true;
    /** A teardown task: the setups it tears down (Airflow's `as_teardown(setups=…)`). */
    readonly teardownOf?: readonly string[];
  }>;
  /** Set when the DAG runs as a parent state machine and children (machine-split.ts). */
  readonly machines?: MachinesSummary;
  readonly stats: {
    readonly states: number;
    readonly definitionBytes: number;
    readonly transitions: TransitionStats;
  };
}

export function buildManifest(input: {
  ir: DagIR;
  eventbridge: readonly EventBridgeSchedule[];
  placeholders: readonly string[];
  names: ReadonlyMap<string, string>;
  states: number;
  definitionBytes: number;
  transitions: TransitionStats;
  machines?: MachinesSummary;
  bundleEntry?: string;
}): DagManifest {
  const { ir } = input;
  const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
  const downstream = new Map<string, string[]>(ir.tasks.map((task) => [task.id, []]));
  for (const task of ir.tasks) for (const up of task.upstream) downstream.get(up)!.push(task.id);
  const weights = effectivePriorityWeights(ir.tasks);
  const distributedSources = distributedItemSources(ir);
  const mappedOver = new Set(ir.tasks.flatMap((task) => (task.kind === 'code' ? mappedOverTasks(task.mapping) : [])));
  const readByFargate = new Set(
    ir.tasks.flatMap((task) =>
      task.kind === 'code' && task.compute === 'fargate'
        ? [...Object.values(task.inputs), ...mappedOverTasks(task.mapping)]
        : [],
    ),
  );
  const workers = ir.tasks.filter(
    (task) => task.kind === 'code' || task.kind === 'poll_sensor' || task.kind === 'container',
  );
  const pools = new Map<string, number>();
  for (const task of ir.tasks) {
    if (task.pool !== undefined) pools.set(task.pool.name, Math.max(pools.get(task.pool.name) ?? 0, task.pool.slots));
  }
  const fargateSizes = new Map<string, { cpu: number; memory: number }>();
  for (const task of ir.tasks) {
    if (task.kind !== 'code' || task.compute !== 'fargate' || task.fargate?.image !== undefined) continue;
    const size = fargateRunSize(task.fargate);
    fargateSizes.set(`${size.cpu}_${size.memory}`, size);
  }
  const containers = ir.tasks.flatMap((task) => {
    const fargate = task.kind === 'code' || task.kind === 'container' ? task.fargate : undefined;
    if (fargate?.image === undefined) return [];
    return [{ taskKey: task.key, image: fargate.image, ...fargateRunSize(fargate) }];
  });
  const nativeTasks = ir.tasks.filter((task) => task.kind === 'native');
  const native = (action: string, field: string) =>
    sorted(
      nativeTasks
        .filter((task) => task.native.action.startsWith(action))
        .map((task) => String(task.native.fields[field])),
    );
  const s3Buckets = sorted([
    ...nativeTasks
      .filter((task) => task.native.action === 's3_copy')
      .map((task) => String(task.native.fields.sourceBucket)),
    ...native('s3', 'bucket'),
    ...ir.tasks.filter((task) => task.kind === 's3_sensor').map((task) => task.sensor.bucket),
  ]);
  return {
    manifestVersion: MANIFEST_VERSION,
    irVersion: ir.irVersion,
    dagId: ir.dagId,
    ...(input.bundleEntry !== undefined ? { bundleEntry: input.bundleEntry } : {}),
    ...(ir.description !== undefined ? { description: ir.description } : {}),
    ...(ir.owner !== undefined ? { owner: ir.owner } : {}),
    ...(ir.doc !== undefined ? { doc: ir.doc } : {}),
    ...(ir.groups.length > 0 ? { taskGroups: ir.groups } : {}),
    tags: ir.tags,
    schedule: { ...ir.schedule, eventbridge: input.eventbridge },
    ...(ir.assets !== undefined ? { assets: ir.assets } : {}),
    maxActiveRuns: ir.maxActiveRuns,
    maxActiveTasks: ir.maxActiveTasks,
    ...(ir.dagrunTimeoutSeconds !== undefined ? { dagrunTimeoutSeconds: ir.dagrunTimeoutSeconds } : {}),
    ...(ir.callbacks.length > 0 ? { callbacks: ir.callbacks } : {}),
    ...(ir.deadline !== undefined ? { deadline: ir.deadline } : {}),
    ...(ir.deadlineCallback === true ? { deadlineCallback: true } : {}),
    xcomOffloadBytes: ir.xcomOffloadBytes,
    paramsSchema: paramsJsonSchema(ir.params),
    placeholders: input.placeholders,
    queues: sorted(
      workers.filter((task) => task.kind !== 'container' && task.compute !== 'fargate').map((task) => task.queue),
    ),
    pools: [...pools.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, maxSlots]) => ({ name, maxSlots })),
    compute: {
      lambdaWorker: workers.some((task) => task.kind !== 'container' && task.compute !== 'fargate'),
      fargateWorkerSizes: [...fargateSizes.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, size]) => size),
      containers,
    },
    integrations: {
      controlQueue: input.placeholders.includes('ControlQueueUrl'),
      lambdaFunctions: sorted(
        ir.tasks.filter((task) => task.kind === 'lambda_invoke').map((task) => task.lambda.functionName),
      ),
      s3Buckets,
      dynamodbTables: native('dynamodb', 'table'),
      sqsQueues: native('sqs', 'queueUrl'),
      snsTopics: native('sns', 'topicArn'),
      eventBuses: sorted(
        nativeTasks
          .filter((task) => task.native.action === 'events_put')
          .flatMap((task) =>
            (task.native.fields.entries as Array<{ eventBusName?: string }>).map(
              (entry) => entry.eventBusName ?? 'default',
            ),
          ),
      ),
    },
    tasks: ir.tasks.map((task) => ({
      id: task.id,
      key: task.key,
      stateName: input.names.get(task.id)!,
      kind: task.kind,
      ...(task.kind === 'code' ? { role: task.role } : {}),
      upstream: task.upstream,
      triggerRule: task.triggerRule,
      queue: task.queue,
      ...(task.pool !== undefined ? { pool: task.pool } : {}),
      priorityWeight: weights.get(task.id)!,
      ...(task.heartbeatSeconds !== undefined ? { heartbeatSeconds: task.heartbeatSeconds } : {}),
      ...(task.kind === 'code' && task.role === 'branch' ? { branchTargets: sorted(downstream.get(task.id)!) } : {}),
      feedsMap: mappedOver.has(task.id),
      ...(distributedSources.has(task.id) ? { feedsDistributedMap: true as const } : {}),
      feedsFargate: readByFargate.has(task.id),
      retries: task.retry.retries,
      callbacks: task.callbacks,
      mapped: task.kind === 'code' && task.mapping !== undefined,
      groups: task.groups,
      ...(task.runAs !== undefined ? { runAs: task.runAs } : {}),
      ...(task.doc !== undefined ? { doc: task.doc } : {}),
      ...taskCompute(task),
      ...(task.outlets !== undefined ? { outlets: task.outlets } : {}),
      ...(task.setup === true ? { setup: true as const } : {}),
      ...(task.teardown !== undefined ? { teardownOf: task.teardown.setups } : {}),
    })),
    ...(input.machines !== undefined ? { machines: input.machines } : {}),
    stats: { states: input.states, definitionBytes: input.definitionBytes, transitions: input.transitions },
  };
}

/** The params schema as JSON Schema; extra conf keys are allowed, as in Airflow. */
export function paramsJsonSchema(params: Readonly<Record<string, ParamSpec>>): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, spec] of Object.entries(params)) {
    const { required: isRequired, items, ...rest } = spec as ParamSpec & { items?: string };
    properties[name] = { ...rest, ...(items !== undefined ? { items: { type: items } } : {}) };
    if (isRequired === true && spec.default === undefined) required.push(name);
  }
  return { type: 'object', properties, required, additionalProperties: true };
}
