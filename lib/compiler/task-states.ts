import { InternalError } from '../errors/airstep-error.ts';
import type { AslState, ChoiceRuleWithNext, PayloadTemplate, Retrier, TaskState } from './asl-types.ts';
import { awsSdkResource } from './aws-sdk-integrations.ts';
import { emitExternalTaskSensor, emitTriggerDag } from './cross-dag-states.ts';
import { crossProductStates } from './cross-product-states.ts';
import { emitDistributedMapped, itemsLocatorSelector } from './distributed-map-states.ts';
import { fargateRunSize } from './fargate-size.ts';
import type { DagIR, MappingIR, SensorIR, TaskIR, TaskOfKind } from './ir.ts';
import { emitLatestOnly } from './latest-only.ts';
import { addLiteralItemsState } from './literal-items-state.ts';
import { outletExtraSelector } from './outlet-extra.ts';
import { placeholder } from './placeholders.ts';
import {
  compileTemplatedEntry,
  compileTemplatedValue,
  compileTemplateField,
  type ReferenceResolver,
} from './templates.ts';
import { FARGATE_ENV, SOME_ITEMS_SUCCEEDED, STATE_SUFFIX, WORKER_ERROR } from './worker-contract.ts';

/** Where a task's run states go when it ends: the state names its success and non-success paths lead to. */
export interface RunExits {
  /** After the task's record says `success`. */
  readonly success: string;
  /** The Pass state that records a caught error (`<task>:failed`); Catch leads here. */
  readonly caught: string;
  /** Where a failed task goes once its record already says `failed` (lazy: only some kinds need it). */
  readonly failed: () => string;
  /** The Pass state that records `skipped` (a soft-failed sensor). */
  readonly skipped: () => string;
  /** Where a task goes once its record already says `skipped` (lazy: only a mapped task needs it). */
  readonly afterSkipped: () => string;
  /** Where a mapped task goes once its record says some items succeeded and the others skipped themselves. */
  readonly afterSomeSucceeded: () => string;
  /**
   * The Pass state that records a `SkipError` the task's code threw (`<task>:self_skipped`); its Catch leads here.
   * Only tasks whose code an Airstep worker runs (`canSkipItself`) have one.
   */
  readonly selfSkipped: string;
}

export interface TaskEmitContext {
  readonly ir: DagIR;
  readonly task: TaskIR;
  readonly name: string;
  /** JSONPath of an upstream task's record as seen from this task (`$.tasks.x` or `$.gates.<me>.x`). */
  readonly recordPath: (upstreamId: string) => string;
  readonly resolve: ReferenceResolver;
  /** Key of a task id in the payload. */
  readonly keyOf: (id: string) => string;
  /** Direct downstream ids (for a branch's follow flags). */
  readonly downstream: readonly string[];
  readonly add: (name: string, state: AslState) => void;
  readonly end: (target: string) => Pick<TaskState, 'Next' | 'End'>;
}

const TASK_TOKEN = '$$.Task.Token';

/** Emits the states that run one task; returns the name of the first one. */
export function emitRunStates(c: TaskEmitContext, exits: RunExits): string {
  const { task } = c;
  switch (task.kind) {
    case 'empty':
      c.add(c.name, {
        Type: 'Pass',
        Result: { state: 'success', output: null },
        ResultPath: recordOf(task),
        ...c.end(exits.success),
      });
      return c.name;
    case 'wait':
      return emitWait(c, task.wait, exits);
    case 'latest_only':
      return emitLatestOnly(c, exits);
    case 'code':
      return task.mapping !== undefined ? emitMapped(c, task.mapping, exits) : emitWorkerTask(c, exits);
    case 'container':
      return emitWorkerTask(c, exits);
    case 'lambda_invoke':
    case 'native':
      return emitServiceTask(c, serviceCall(task, c.resolve), exits);
    case 's3_sensor':
    case 'poll_sensor':
      return emitSensor(c, task, exits);
    case 'trigger_dag':
      return emitTriggerDag(c, task, exits);
    case 'external_task_sensor':
      return emitExternalTaskSensor(c, task, exits);
  }
}

function recordOf(task: TaskIR): string {
  return `$.tasks.${task.key}`;
}

/**
 * Whether task code an Airstep worker runs may throw `SkipError` (a code task, a poll sensor's poke) and so needs
 * a `<task>:self_skipped` state. A mapped task skips per item, inside its Map.
 */
export function canSkipItself(task: TaskIR): boolean {
  return (task.kind === 'code' && task.mapping === undefined) || task.kind === 'poll_sensor';
}

/**
 * Retry for a task: NonRetryableError and SkipError first (never retried), then everything else per the task's
 * options.
 */
export function retryOf(task: TaskIR, worker: boolean): Pick<TaskState, 'Retry'> {
  const { retry } = task;
  if (retry.retries === 0) return {};
  const everything: Retrier = {
    ErrorEquals: ['States.ALL'],
    IntervalSeconds: retry.delaySeconds,
    MaxAttempts: retry.retries,
    BackoffRate: retry.backoffRate,
    ...(retry.maxDelaySeconds !== undefined ? { MaxDelaySeconds: retry.maxDelaySeconds } : {}),
    ...(retry.jitter ? { JitterStrategy: 'FULL' } : {}),
  };
  const nonRetryable: Retrier = { ErrorEquals: [WORKER_ERROR.nonRetryable, WORKER_ERROR.skip], MaxAttempts: 0 };
  return { Retry: worker ? [nonRetryable, everything] : [everything] };
}

/**
 * Every error is caught, so a failed task never fails the Parallel around it and cancels its siblings. A task
 * whose code can skip itself has its `SkipError` caught first, into its `skipped` record.
 */
export function catchAll(task: TaskIR, exits: Pick<RunExits, 'caught' | 'selfSkipped'>): Pick<TaskState, 'Catch'> {
  const all = { ErrorEquals: ['States.ALL'], ResultPath: recordOf(task), Next: exits.caught };
  if (!canSkipItself(task)) return { Catch: [all] };
  return { Catch: [{ ErrorEquals: [WORKER_ERROR.skip], ResultPath: recordOf(task), Next: exits.selfSkipped }, all] };
}

function timeouts(task: TaskIR, withHeartbeat: boolean): Pick<TaskState, 'TimeoutSeconds' | 'HeartbeatSeconds'> {
  const timeout = task.executionTimeoutSeconds;
  const heartbeat = withHeartbeat ? task.heartbeatSeconds : undefined;
  return {
    ...(timeout !== undefined ? { TimeoutSeconds: timeout } : {}),
    // ASL requires HeartbeatSeconds < TimeoutSeconds; a heartbeat that long adds nothing.
    ...(heartbeat !== undefined && (timeout === undefined || heartbeat < timeout)
      ? { HeartbeatSeconds: heartbeat }
      : {}),
  };
}

/** The record a successful task leaves: state, try number, and its result when a downstream task reads it. */
function successSelector(c: TaskEmitContext, fromWorker: boolean, outputPath: string): PayloadTemplate {
  const { task } = c;
  const follow =
    task.kind === 'code' && task.role === 'branch'
      ? {
          follow: Object.fromEntries(
            c.downstream.map((id) => [`${c.keyOf(id)}.$`, `States.ArrayContains(${outputPath}, '${id}')`]),
          ),
        }
      : {};
  return {
    state: 'success',
    ...(fromWorker ? { 'try.$': '$.try' } : {}),
    ...(task.xcomConsumed ? { 'output.$': outputPath } : {}),
    ...(fromWorker ? itemsLocatorSelector(c.ir, task.id) : {}),
    ...(fromWorker ? outletExtraSelector(task) : {}),
    ...follow,
  };
}

/** The message an Airstep worker receives: which task of which DAG version, its context and inputs. */
function workerMessage(
  c: TaskEmitContext,
  kind: 'task' | 'poke',
  mapping: MappingIR | undefined,
): Record<string, unknown> {
  const { task } = c;
  const inputs = Object.fromEntries(
    Object.entries(task.inputs).map(([name, id]) => [`${name}.$`, `${c.recordPath(id)}.output`]),
  );
  return {
    kind,
    dagId: c.ir.dagId,
    dagVersion: placeholder.dagVersion,
    taskId: task.id,
    'executionArn.$': '$$.Execution.Id',
    'retryCount.$': '$$.State.RetryCount',
    'token.$': TASK_TOKEN,
    'ctx.$': '$.ctx',
    inputs,
    ...(mapping !== undefined
      ? { 'mapIndex.$': '$.index', 'item.$': '$.item', partial: mapping.partial ?? {} }
      : { mapIndex: -1 }),
  };
}

/**
 * The Task state that hands work to a worker and waits for its answer (SQS, or ECS Fargate). `mapping` is set
 * for one item of a mapped task.
 */
export function workerTaskState(c: TaskEmitContext, kind: 'task' | 'poke', mapping?: MappingIR): TaskState {
  const { task } = c;
  const message = workerMessage(c, kind, mapping);
  if (task.kind === 'container' || (task.kind === 'code' && task.compute === 'fargate')) {
    const fargate = task.fargate ?? {};
    const definition =
      fargate.image !== undefined ? placeholder.containerTaskDefinition(task.key) : placeholder.workerTaskDefinition;
    const size = fargateRunSize(fargate);
    const environment = [
      { Name: FARGATE_ENV.taskToken, 'Value.$': TASK_TOKEN },
      { Name: FARGATE_ENV.dagId, Value: c.ir.dagId },
      { Name: FARGATE_ENV.dagVersion, Value: placeholder.dagVersion },
      { Name: FARGATE_ENV.taskId, Value: task.id },
      { Name: FARGATE_ENV.executionArn, 'Value.$': '$$.Execution.Id' },
      { Name: FARGATE_ENV.retryCount, 'Value.$': "States.Format('{}', $$.State.RetryCount)" },
      { Name: FARGATE_ENV.ctx, 'Value.$': 'States.JsonToString($.ctx)' },
      ...Object.entries(task.inputs).map(([name, id]) => ({
        Name: `${FARGATE_ENV.inputPrefix}${name}`,
        'Value.$': `States.JsonToString(${c.recordPath(id)}.output)`,
      })),
      // A mapped try: its index and item, and the mapping's partial arguments (the SQS message carries the same).
      ...(mapping !== undefined
        ? [
            { Name: FARGATE_ENV.mapIndex, 'Value.$': "States.Format('{}', $.index)" },
            { Name: FARGATE_ENV.item, 'Value.$': 'States.JsonToString($.item)' },
            { Name: FARGATE_ENV.partial, Value: JSON.stringify(mapping.partial ?? {}) },
          ]
        : []),
      ...Object.entries(fargate.environment ?? {}).map(([Name, Value]) => ({ Name, Value })),
    ];
    return {
      Type: 'Task',
      Resource: 'arn:aws:states:::ecs:runTask.waitForTaskToken',
      Parameters: {
        Cluster: placeholder.ecsClusterArn,
        TaskDefinition: definition,
        LaunchType: 'FARGATE',
        NetworkConfiguration: {
          AwsvpcConfiguration: {
            'Subnets.$': `States.StringSplit('${placeholder.subnetIds}', ',')`,
            'SecurityGroups.$': `States.StringSplit('${placeholder.securityGroupIds}', ',')`,
            AssignPublicIp: placeholder.assignPublicIp,
          },
        },
        Overrides: {
          // Fargate sizes a task at RunTask: one task definition serves every size.
          Cpu: String(size.cpu),
          Memory: String(size.memory),
          ContainerOverrides: [
            {
              Name: fargate.image !== undefined ? 'task' : 'worker',
              ...(fargate.command !== undefined ? { Command: fargate.command } : {}),
              Environment: environment,
            },
          ],
        },
      },
      ...timeouts(task, true),
    };
  }
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
    Parameters: { QueueUrl: placeholder.taskQueueUrl(task.queue), MessageBody: message },
    ...timeouts(task, true),
  };
}

function emitWorkerTask(c: TaskEmitContext, exits: RunExits): string {
  // An Airstep worker answers { output, try }; a user's own container answers whatever it likes.
  const ours = c.task.kind !== 'container';
  c.add(c.name, {
    ...workerTaskState(c, 'task'),
    ResultSelector: successSelector(c, ours, ours ? '$.output' : '$'),
    ResultPath: recordOf(c.task),
    ...retryOf(c.task, true),
    ...catchAll(c.task, exits),
    ...c.end(exits.success),
  });
  return c.name;
}

/**
 * Dynamic task mapping: one Map state; each item is a worker task with its own retries, and a failed item is
 * caught so the other items go on. Then one Choice sets the mapped task's state from its items.
 */
function emitMapped(c: TaskEmitContext, mapping: MappingIR, exits: RunExits): string {
  if (mapping.distributed !== undefined) {
    return emitDistributedMapped(c, mapping, exits, { workerTaskState, retryOf, catchAll });
  }
  const { task } = c;
  const record = recordOf(task);
  const itemName = `${c.name}${STATE_SUFFIX.item}`;
  const itemFailed = `${c.name}${STATE_SUFFIX.itemFailed}`;
  const itemSkipped = `${c.name}${STATE_SUFFIX.itemSkipped}`;
  const itemsSkippedName = `${c.name}${STATE_SUFFIX.itemsSkipped}`;
  const itemsMixedName = `${c.name}${STATE_SUFFIX.itemsMixed}`;
  const resultName = `${c.name}${STATE_SUFFIX.result}`;
  const doneName = `${c.name}${STATE_SUFFIX.done}`;
  const itemsFailedName = `${c.name}${STATE_SUFFIX.itemsFailed}`;
  const { over } = mapping;
  const itemsPath = 'task' in over ? `${c.recordPath(over.task)}.output` : `${record}.items`;
  if ('items' in over) {
    addLiteralItemsState(c, over.items, record);
  } else if ('product' in over) {
    // The combinations are made first, then mapped over as one list, so items and indexes are those of any map.
    for (const [name, state] of crossProductStates(c.name, over.product, record, c.recordPath, catchAll(task, exits)))
      c.add(name, state);
  }
  const itemStates: Record<string, AslState> = {
    [itemName]: {
      ...workerTaskState(c, 'task', mapping),
      ResultSelector: { state: 'success', 'try.$': '$.try', 'output.$': '$.output' },
      ...retryOf(task, true),
      Catch: [
        { ErrorEquals: [WORKER_ERROR.skip], ResultPath: '$.error', Next: itemSkipped },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: itemFailed },
      ],
      End: true,
    },
    [itemFailed]: {
      Type: 'Pass',
      Parameters: { state: 'failed', output: null, 'error.$': '$.error' },
      End: true,
    },
    [itemSkipped]: {
      Type: 'Pass',
      Parameters: { state: 'skipped', output: null, 'skip.$': '$.error' },
      End: true,
    },
  };
  c.add(c.name, {
    Type: 'Map',
    ItemsPath: itemsPath,
    ItemSelector: {
      'ctx.$': '$.ctx',
      'tasks.$': '$.tasks',
      'gates.$': '$.gates',
      'item.$': '$$.Map.Item.Value',
      'index.$': '$$.Map.Item.Index',
    },
    MaxConcurrency: mapping.maxConcurrency,
    ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: itemName, States: itemStates },
    ResultSelector: {
      'count.$': 'States.ArrayLength($)',
      'anyFailed.$': "States.ArrayContains($[*].state, 'failed')",
      'anySkipped.$': "States.ArrayContains($[*].state, 'skipped')",
      'anySucceeded.$': "States.ArrayContains($[*].state, 'success')",
      'output.$': '$[*].output',
    },
    ResultPath: record,
    ...catchAll(task, exits),
    Next: resultName,
  });
  c.add(resultName, {
    Type: 'Choice',
    Choices: [
      // Mapping over an empty list skips the task, as in Airflow.
      { Variable: `${record}.count`, NumericEquals: 0, Next: exits.skipped() },
      { Variable: `${record}.anyFailed`, BooleanEquals: true, Next: itemsFailedName },
      // Items that skipped themselves: all of them, or some beside items that succeeded (see below).
      {
        And: [
          { Variable: `${record}.anySkipped`, BooleanEquals: true },
          { Variable: `${record}.anySucceeded`, BooleanEquals: true },
        ],
        Next: itemsMixedName,
      },
      { Variable: `${record}.anySkipped`, BooleanEquals: true, Next: itemsSkippedName },
    ],
    Default: doneName,
  });
  const output = task.xcomConsumed ? { 'output.$': `${record}.output` } : {};
  c.add(itemsFailedName, {
    Type: 'Pass',
    Parameters: { state: 'failed', ...output, error: { Error: 'MappedItemFailed', Cause: 'one or more items failed' } },
    ResultPath: record,
    ...c.end(exits.failed()),
  });
  // Airflow decides a downstream task's trigger rule over every item's state. One record stands for the items:
  // `skipped` when items skipped themselves and none failed, flagged when others succeeded; the trigger-rule
  // Choice reads the flag as "some item succeeded" (emit-asl.ts, formulaRule), so all_success skips, one_success
  // runs, all_skipped skips, as Airflow counts the items.
  c.add(itemsMixedName, {
    Type: 'Pass',
    Parameters: { state: 'skipped', [SOME_ITEMS_SUCCEEDED]: true, ...output },
    ResultPath: record,
    ...c.end(exits.afterSomeSucceeded()),
  });
  c.add(itemsSkippedName, {
    Type: 'Pass',
    Parameters: { state: 'skipped', ...output },
    ResultPath: record,
    ...c.end(exits.afterSkipped()),
  });
  c.add(doneName, {
    Type: 'Pass',
    Parameters: { state: 'success', ...output },
    ResultPath: record,
    ...c.end(exits.success),
  });
  return 'task' in over ? c.name : `${c.name}${STATE_SUFFIX.items}`;
}

/** Native integrations and existing Lambdas: Step Functions calls the service itself, no worker. */
function emitServiceTask(
  c: TaskEmitContext,
  [resource, parameters, outputPath]: [string, Record<string, unknown>, string],
  exits: RunExits,
): string {
  const { task } = c;
  c.add(c.name, {
    Type: 'Task',
    Resource: resource,
    Parameters: parameters,
    ...timeouts(task, false),
    ResultSelector: successSelector(c, false, outputPath),
    ResultPath: recordOf(task),
    ...retryOf(task, false),
    ...catchAll(task, exits),
    ...c.end(exits.success),
  });
  return c.name;
}

/** The resource a service task calls, its Parameters, and the path of its result in the answer. */
function serviceCall(
  task: TaskOfKind<'lambda_invoke' | 'native'>,
  resolve: ReferenceResolver,
): [string, Record<string, unknown>, string] {
  const field = (name: string, value: unknown) => compileTemplatedEntry(name, value, resolve);
  if (task.kind === 'lambda_invoke') {
    const { lambda } = task;
    const payload =
      lambda.payload === undefined ? { 'ctx.$': '$.ctx' } : compileTemplatedValue(lambda.payload, resolve);
    const payloadField = typeof lambda.payload === 'string' ? field('Payload', lambda.payload) : { Payload: payload };
    return [
      'arn:aws:states:::lambda:invoke',
      { ...field('FunctionName', lambda.functionName), ...payloadField },
      '$.Payload',
    ];
  }
  const f = task.native.fields;
  const opt = (name: string, value: unknown) => (value === undefined ? {} : field(name, value));
  switch (task.native.action) {
    case 's3_copy':
      return [
        'arn:aws:states:::aws-sdk:s3:copyObject',
        {
          ...field('Bucket', f.bucket),
          ...field('Key', f.key),
          ...field('CopySource', `${f.sourceBucket}/${f.sourceKey}`),
        },
        '$',
      ];
    case 's3_put':
      return [
        'arn:aws:states:::aws-sdk:s3:putObject',
        {
          ...field('Bucket', f.bucket),
          ...field('Key', f.key),
          ...field('Body', f.body),
          ...opt('ContentType', f.contentType),
        },
        '$',
      ];
    case 's3_list':
      return [
        'arn:aws:states:::aws-sdk:s3:listObjectsV2',
        { ...field('Bucket', f.bucket), ...opt('Prefix', f.prefix), ...opt('MaxKeys', f.maxKeys) },
        '$',
      ];
    case 'dynamodb_get':
      return ['arn:aws:states:::dynamodb:getItem', { ...field('TableName', f.table), ...field('Key', f.key) }, '$'];
    case 'dynamodb_put':
      return ['arn:aws:states:::dynamodb:putItem', { ...field('TableName', f.table), ...field('Item', f.item) }, '$'];
    case 'dynamodb_update':
      return [
        'arn:aws:states:::dynamodb:updateItem',
        {
          ...field('TableName', f.table),
          ...field('Key', f.key),
          ...field('UpdateExpression', f.updateExpression),
          ...opt('ExpressionAttributeValues', f.expressionAttributeValues),
          ...opt('ExpressionAttributeNames', f.expressionAttributeNames),
        },
        '$',
      ];
    case 'sqs_send':
      return [
        'arn:aws:states:::sqs:sendMessage',
        { ...field('QueueUrl', f.queueUrl), ...field('MessageBody', f.body) },
        '$',
      ];
    case 'sns_publish':
      return [
        'arn:aws:states:::sns:publish',
        { ...field('TopicArn', f.topicArn), ...field('Message', f.message), ...opt('Subject', f.subject) },
        '$',
      ];
    case 'events_put': {
      const entries = (f.entries as Array<Record<string, unknown>>).map((entry) => ({
        ...field('Source', entry.source),
        ...field('DetailType', entry.detailType),
        ...field('Detail', entry.detail),
        ...opt('EventBusName', entry.eventBusName),
      }));
      return ['arn:aws:states:::events:putEvents', { Entries: entries }, '$'];
    }
    case 'aws_sdk':
      return [
        awsSdkResource(String(f.service), String(f.action), f.sync === true),
        compileTemplatedValue(f.input, resolve) as Record<string, unknown>,
        '$',
      ];
  }
}

function emitWait(c: TaskEmitContext, wait: TaskOfKind<'wait'>['wait'], exits: RunExits): string {
  const { task } = c;
  const done = `${c.name}${STATE_SUFFIX.done}`;
  const timing =
    wait.seconds !== undefined
      ? { Seconds: wait.seconds }
      : wait.until !== undefined
        ? { TimestampPath: Object.values(compileTemplateField('x', wait.until, c.resolve))[0] }
        : undefined;
  // build-ir reports a wait task with neither; such a DAG is never emitted.
  if (timing === undefined) throw new InternalError(`internal: wait task ${task.id} has neither seconds nor until`);
  c.add(c.name, { Type: 'Wait', ...timing, Next: done });
  c.add(done, {
    Type: 'Pass',
    Result: { state: 'success', output: null },
    ResultPath: recordOf(task),
    ...c.end(exits.success),
  });
  return c.name;
}

/**
 * A sensor is a loop in the state machine: poke, check, wait, poke again. No worker is held while waiting; the
 * poke count stands in for elapsed time (Step Functions has no date arithmetic), so the timeout is exact in
 * pokes and waits.
 */
function emitSensor(c: TaskEmitContext, task: TaskOfKind<'s3_sensor' | 'poll_sensor'>, exits: RunExits): string {
  const { sensor } = task;
  const record = recordOf(task);
  const n = (suffix: string) => `${c.name}:${suffix}`;
  const pokePath = `${record}.poke`;
  const s3 = task.kind === 's3_sensor' ? task.sensor : undefined;
  const isS3 = s3 !== undefined;
  // The object key, or the prefix any object under which will do (build-ir checks that exactly one is set).
  const target = s3 !== undefined ? (s3.key ?? s3.prefix) : undefined;

  c.add(n('start'), {
    Type: 'Pass',
    Parameters: {
      n: 0,
      wait: sensor.pokeSeconds,
      ...(target !== undefined ? compileTemplatedEntry('target', target, c.resolve) : {}),
    },
    ResultPath: record,
    Next: c.name,
  });
  if (s3 !== undefined) {
    c.add(c.name, {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:s3:listObjectsV2',
      Parameters: {
        ...compileTemplatedEntry('Bucket', s3.bucket, c.resolve),
        'Prefix.$': `${record}.target`,
        MaxKeys: 1,
      },
      ResultPath: pokePath,
      ...retryOf(task, false),
      ...catchAll(task, exits),
      Next: n('check'),
    });
  } else {
    c.add(c.name, {
      ...workerTaskState(c, 'poke'),
      ResultSelector: { 'done.$': '$.output.done', 'value.$': '$.output.value', 'try.$': '$.try' },
      ResultPath: pokePath,
      ...retryOf(task, true),
      ...catchAll(task, exits),
      Next: n('check'),
    });
  }
  const found = n('found');
  const foundWhen = isS3
    ? { Variable: `${pokePath}.KeyCount`, NumericGreaterThan: 0, Next: s3.key !== undefined ? n('match') : found }
    : { Variable: `${pokePath}.done`, BooleanEquals: true, Next: found };
  const maxPokes = pokesUntilTimeout(sensor);
  const timedOut = sensor.softFail ? exits.skipped() : n('timed_out');
  const growth = sensor.exponentialBackoff ? backoffChoices(sensor, record, n) : [];
  c.add(n('check'), {
    Type: 'Choice',
    Choices: [
      foundWhen,
      { Variable: `${record}.n`, NumericGreaterThanEquals: maxPokes - 1, Next: timedOut },
      ...growth,
    ],
    Default: n('tick'),
  });
  if (s3?.key !== undefined) {
    // ListObjectsV2 with the key as prefix returns the key itself first when it exists.
    c.add(n('match'), {
      Type: 'Choice',
      Choices: [
        { Variable: `${pokePath}.Contents[0].Key`, StringEqualsPath: `${record}.target`, Next: found },
        { Variable: `${record}.n`, NumericGreaterThanEquals: maxPokes - 1, Next: timedOut },
      ],
      Default: n('tick'),
    });
  }
  const foundOutput = isS3
    ? { output: { 'key.$': `${pokePath}.Contents[0].Key` } }
    : { 'output.$': `${pokePath}.value`, 'try.$': `${pokePath}.try` };
  c.add(found, {
    Type: 'Pass',
    Parameters: { state: 'success', ...foundOutput },
    ResultPath: record,
    ...c.end(exits.success),
  });
  if (!sensor.softFail) {
    c.add(n('timed_out'), {
      Type: 'Pass',
      Parameters: {
        state: 'failed',
        output: null,
        error: { Error: 'SensorTimeout', Cause: `not found after ${maxPokes} pokes (${sensor.timeoutSeconds}s)` },
      },
      ResultPath: record,
      ...c.end(exits.failed()),
    });
  }
  const keep = { ...(target !== undefined ? { 'target.$': `${record}.target` } : {}) };
  const tick = (name: string, wait: Record<string, unknown>) =>
    c.add(name, {
      Type: 'Pass',
      Parameters: { 'n.$': `States.MathAdd(${record}.n, 1)`, ...wait, ...keep },
      ResultPath: record,
      Next: n('wait'),
    });
  tick(n('tick'), { 'wait.$': `${record}.wait` });
  if (sensor.exponentialBackoff) {
    tick(n('tick_grow'), { 'wait.$': `States.MathAdd(${record}.wait, ${record}.wait)` });
    if (sensor.maxWaitSeconds !== undefined) tick(n('tick_cap'), { wait: sensor.maxWaitSeconds });
  }
  c.add(n('wait'), { Type: 'Wait', SecondsPath: `${record}.wait`, Next: c.name });
  return n('start');
}

/** With backoff, the wait doubles after the first poke, bounded by maxWait. */
export function backoffChoices(sensor: SensorIR, record: string, n: (suffix: string) => string): ChoiceRuleWithNext[] {
  const grow = { Variable: `${record}.n`, NumericGreaterThan: 0 };
  if (sensor.maxWaitSeconds === undefined) return [{ ...grow, Next: n('tick_grow') }];
  const half = Math.floor(sensor.maxWaitSeconds / 2);
  return [
    { And: [grow, { Variable: `${record}.wait`, NumericLessThanEquals: half }], Next: n('tick_grow') },
    { ...grow, Next: n('tick_cap') },
  ];
}

/** The number of pokes made before giving up: the first poke is at 0s, then one after each wait. */
export function pokesUntilTimeout(sensor: SensorIR): number {
  let elapsed = 0;
  let wait = sensor.pokeSeconds;
  let pokes = 1;
  while (elapsed < sensor.timeoutSeconds) {
    elapsed += wait;
    pokes++;
    if (sensor.exponentialBackoff && pokes > 2) {
      wait = sensor.maxWaitSeconds !== undefined && wait * 2 > sensor.maxWaitSeconds ? sensor.maxWaitSeconds : wait * 2;
    }
  }
  return pokes;
}
