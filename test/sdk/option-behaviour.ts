/**
 * Where each option of the SDK is shown to do what its doc says: files whose tests exercise it in the local
 * engine (or the CLI, for options that only describe) and in the cloud (a handler or the compiled state machine on
 * an emulator). A file counts only if it names the option; test fixtures and the example DAGs count when the
 * tests named beside them run them. `refused` options are checked by the walk itself: `validate` must refuse them.
 *
 * Keys are `<declaring interface or factory>.<option>`, as `listSdkOptions` reads them from the SDK's types; the
 * walk (option-walk.test.ts) fails on an option missing here, or an entry for an option the SDK no longer has.
 */
export type Evidence = readonly string[] | { readonly none: string };

export type OptionBehaviour =
  | { readonly local: Evidence; readonly cloud: Evidence }
  | { readonly refused: string; readonly value: unknown };

const DIFF = 'test/differential/cases/generated.ts';
const DIFF_RULES = 'test/differential/cases/trigger-rules.ts';
const SEMANTICS = 'test/local/semantics.test.ts';
const EXAMPLES_LOCAL = 'test/local/run-s3-examples.test.ts';
const EXAMPLES_DIFF = 'test/differential/cases/examples.ts';
const NATIVE_EXAMPLE = 'dags/examples/native_steps.ts';
const NATIVE_FIELDS = 'test/differential/native-fields.test.ts';
const METADATA = 'test/cli/dag-metadata.test.ts';
const METADATA_FIXTURE = 'test/fixtures/options/documented.ts';
const SETUP_MAPPING = 'test/differential/cases/setup-mapping.ts';
const SETUP_MAPPING_WORKER = 'test/fixtures/lambdas/setup_and_mapping.ts';
// The trigger Lambda and every local command check conf with the one resolveParams; the test shows both use it.
const PARAMS = ['test/runtime/param-fields.test.ts'];
const PARAMS_CLOUD = ['test/runtime/param-fields.test.ts'];
const SCHEDULE = ['test/schedule/intervals.test.ts', 'test/local/local-scheduler.test.ts'];
const SCHEDULE_CLOUD = ['test/schedule/eventbridge.test.ts', 'test/lambdas/dag-sync.test.ts'];
const FARGATE = ['test/local/fargate-tasks.test.ts'];
const FARGATE_CLOUD = ['test/compiler/fargate-tasks.test.ts', 'test/fixtures/e2e/on_fargate.ts'];
const MAPPING_KINDS = ['test/local/mapping-kinds.test.ts'];
const MAPPING_KINDS_CLOUD = [SETUP_MAPPING, SETUP_MAPPING_WORKER];
const SENSOR = [SEMANTICS, DIFF];
// `expectedItems` changes no run: it feeds the history estimate and refusal of the one compiler that `validate`,
// `compile`, `airstep run` and the dag-sync Lambda all call.
const ESTIMATE: OptionBehaviour = {
  local: ['test/compiler/history-estimate.test.ts', 'test/cli/cli.test.ts'],
  cloud: {
    none: 'it changes no run: it feeds the compile-time history estimate and refusal, which dag-sync gets from the same compileDag (test/compiler/history-estimate.test.ts)',
  },
};
const CROSS_DAG_EXAMPLE = 'dags/examples/cross_dag.ts';
const CROSS_DAG_LOCAL = 'test/local/cross-dag.test.ts';
const CROSS_DAG_MOTO = 'test/lambdas/cross-dag-moto.test.ts';
const CROSS_DAG_ASL = 'test/compiler/cross-dag.test.ts';
// The local engine answers the step's invoke with the cloud trigger's admission and runs the target's run: the
// fixture's DAGs, run by test/local/cross-dag.test.ts.
const TRIGGER_DAG_LOCAL: Evidence = ['test/fixtures/local/cross_dag_trigger.ts'];
// A distributed mapping runs in the local engine; in the cloud its compiled Map (asl-validator) and its grants are
// checked, as no emulator here runs a Distributed Map (see the README, 'Mapping at scale: Distributed Map').
const DISTRIBUTED_LOCAL = ['test/local/distributed-map.test.ts'];
const DISTRIBUTED_CLOUD = ['test/compiler/map-mode.test.ts'];
const described = (what: string): OptionBehaviour => ({
  local: [METADATA, METADATA_FIXTURE],
  cloud: {
    none: `${what} changes no run; the test shows where it is displayed (manifest, ASL Comment, graph, list)`,
  },
});

export const OPTION_BEHAVIOUR: Readonly<Record<string, OptionBehaviour>> = {
  // DAG options
  'DagOptions.id': { local: [SEMANTICS], cloud: ['test/lambdas/dag-sync.test.ts'] },
  'DagOptions.description': described('A description'),
  'DagOptions.doc': described('A doc'),
  'DagOptions.owner': described('An owner'),
  'DagOptions.tags': described('Tags'),
  'DagOptions.schedule': { local: SCHEDULE, cloud: SCHEDULE_CLOUD },
  'DagOptions.startDate': { local: SCHEDULE, cloud: SCHEDULE_CLOUD },
  'DagOptions.endDate': { local: SCHEDULE, cloud: ['test/schedule/eventbridge.test.ts'] },
  'DagOptions.timezone': { local: SCHEDULE, cloud: ['test/schedule/eventbridge.test.ts'] },
  'DagOptions.catchup': {
    local: ['test/local/local-scheduler.test.ts'],
    cloud: ['test/lambdas/dag-sync-catchup.test.ts'],
  },
  'DagOptions.defaultArgs': {
    local: ['test/sdk/task-groups.test.ts'],
    cloud: ['test/lambdas/dag-sync.test.ts'],
  },
  'DagOptions.params': { local: PARAMS, cloud: PARAMS_CLOUD },
  'DagOptions.maxActiveRuns': {
    local: ['test/local/local-scheduler.test.ts'],
    cloud: ['test/lambdas/trigger.test.ts', 'test/lambdas/dag-sync-catchup.test.ts'],
  },
  'DagOptions.maxActiveTasks': {
    local: ['test/local/pools.test.ts'],
    cloud: ['test/lambdas/worker-pool-heartbeat.test.ts', 'test/lambdas/fargate-worker-slots.test.ts'],
  },
  'DagOptions.dagrunTimeout': { local: [DIFF], cloud: [DIFF] },
  'DagOptions.xcomOffloadBytes': {
    local: ['test/local/xcom-heartbeat.test.ts'],
    cloud: { none: 'the Lambda worker offloads through the same task runner (test/runtime), tested locally' },
  },
  'DagOptions.onSuccess': { local: ['test/local/callbacks.test.ts'], cloud: ['test/lambdas/callbacks.test.ts'] },
  'DagOptions.onFailure': { local: ['test/local/callbacks.test.ts'], cloud: ['test/lambdas/callbacks.test.ts'] },
  'DagOptions.deadline': {
    local: ['test/local/deadlines.test.ts'],
    cloud: ['test/lambdas/deadline.test.ts', 'test/lambdas/deadline-ministack.test.ts'],
  },
  // Locally there is no CloudWatch to alarm in: the test shows where the option is shown (list --json, validate).
  'DagOptions.alarms': {
    local: ['test/cli/dag-alarms-option.test.ts'],
    cloud: ['test/lambdas/dag-sync.test.ts', 'test/e2e/stack-local.test.ts'],
  },

  // Options of every task
  'TaskOptions.retries': { local: [SEMANTICS], cloud: [DIFF] },
  'TaskOptions.retryDelay': { local: [SEMANTICS], cloud: [DIFF] },
  'TaskOptions.exponentialBackoff': { local: [DIFF], cloud: [DIFF] },
  'TaskOptions.maxRetryDelay': { local: [DIFF], cloud: [DIFF] },
  'TaskOptions.retryJitter': { local: [DIFF], cloud: [DIFF] },
  'TaskOptions.executionTimeout': { local: [SEMANTICS], cloud: [DIFF] },
  'TaskOptions.heartbeat': {
    local: ['test/local/interpreter.test.ts'],
    cloud: ['test/lambdas/worker-pool-heartbeat.test.ts', DIFF],
  },
  'TaskOptions.triggerRule': {
    local: [SEMANTICS, 'test/local/early-trigger-rules.test.ts'],
    cloud: [DIFF_RULES, 'test/differential/cases/early-trigger-rules.ts'],
  },
  'TaskOptions.pool': { local: ['test/local/pools.test.ts'], cloud: ['test/lambdas/pool-slots.test.ts'] },
  'TaskOptions.poolSlots': { local: ['test/local/pools.test.ts'], cloud: ['test/lambdas/pool-slots.test.ts'] },
  'TaskOptions.queue': {
    local: { none: 'one local worker pool serves every queue; a queue only routes messages in the cloud' },
    cloud: ['test/constructs/airstep-props.test.ts', 'test/lambdas/trigger.test.ts'],
  },
  'TaskOptions.priorityWeight': {
    local: ['test/local/pools.test.ts'],
    // worker-priority.test.ts runs these fixtures on the Lambda worker with moto.
    cloud: ['test/fixtures/lambdas/weighted_heavy.ts', 'test/fixtures/lambdas/weighted_light.ts'],
  },
  'TaskOptions.weightRule': {
    local: ['test/local/priority-weight-rule.test.ts'],
    cloud: ['test/compiler/priority-weights.test.ts'],
  },
  'TaskOptions.onFailure': { local: ['test/local/callbacks.test.ts'], cloud: ['test/lambdas/callbacks.test.ts'] },
  'TaskOptions.onRetry': { local: ['test/local/callbacks.test.ts'], cloud: ['test/lambdas/callbacks.test.ts'] },
  'TaskOptions.onSuccess': { local: ['test/local/callbacks.test.ts'], cloud: ['test/lambdas/callbacks.test.ts'] },
  'TaskOptions.sla': { refused: 'deadline', value: '1 hour' },
  'TaskOptions.dependsOnPast': { refused: 'is not supported yet', value: true },
  'TaskOptions.waitForDownstream': { refused: 'is not supported yet', value: true },
  'TaskOptions.doc': described('A task doc'),
  'TaskOptions.outlets': {
    local: [
      'test/local/assets.test.ts',
      'test/fixtures/local/asset_outcomes.ts',
      'test/cli/assets-local.test.ts',
      'test/cli/clear-outlets-local.test.ts',
    ],
    cloud: [
      'test/lambdas/asset-events-ministack.test.ts',
      'test/lambdas/mark-outlets.test.ts',
      'test/lambdas/kept-outlets-moto.test.ts',
    ],
  },
  'TaskOptions.runAs': {
    local: ['test/cli/run-as.test.ts'],
    cloud: ['test/lambdas/worker-run-as.test.ts', 'test/lambdas/fargate-worker-slots.test.ts'],
  },
  'CommonTaskOptions.upstream': { local: [SEMANTICS], cloud: [DIFF] },
  'CommonTaskOptions.setup': {
    local: ['test/local/setup-teardown.test.ts'],
    cloud: [SETUP_MAPPING, SETUP_MAPPING_WORKER],
  },
  'CommonTaskOptions.teardown': {
    local: ['test/local/setup-teardown.test.ts'],
    cloud: [SETUP_MAPPING, SETUP_MAPPING_WORKER],
  },

  // Code tasks
  'CodeTaskOptions.inputs': { local: [SEMANTICS], cloud: [DIFF] },
  'CodeTaskOptions.compute': { local: FARGATE, cloud: FARGATE_CLOUD },
  'CodeTaskOptions.fargate': { local: FARGATE, cloud: FARGATE_CLOUD },
  'ShortCircuitOptions.ignoreDownstreamTriggerRules': { local: [SEMANTICS], cloud: [DIFF_RULES] },
  'sensor.inputs': { local: [SEMANTICS], cloud: [DIFF] },
  'ExpandOptions.over': { local: [SEMANTICS], cloud: [DIFF] },
  'ExpandOptions.partial': {
    local: ['test/local/fargate-tasks.test.ts'],
    cloud: [DIFF],
  },
  'ExpandOptions.maxMapConcurrency': { local: [DIFF], cloud: [DIFF] },
  'ExpandOptions.expectedItems': ESTIMATE,
  'ExpandProductOptions.over': { local: MAPPING_KINDS, cloud: MAPPING_KINDS_CLOUD },
  'ExpandProductOptions.partial': { local: MAPPING_KINDS, cloud: [SETUP_MAPPING] },
  'ExpandProductOptions.maxMapConcurrency': {
    local: { none: 'compiled to the same Map MaxConcurrency as `expand` (compared locally and on moto there)' },
    cloud: { none: 'compiled to the same Map MaxConcurrency as `expand` (compared locally and on moto there)' },
  },
  'ExpandProductOptions.expectedItems': ESTIMATE,
  'ExpandKwargsOptions.over': { local: MAPPING_KINDS, cloud: MAPPING_KINDS_CLOUD },
  'ExpandKwargsOptions.partial': { local: MAPPING_KINDS, cloud: [SETUP_MAPPING] },
  'ExpandKwargsOptions.maxMapConcurrency': {
    local: { none: 'compiled to the same Map MaxConcurrency as `expand` (compared locally and on moto there)' },
    cloud: { none: 'compiled to the same Map MaxConcurrency as `expand` (compared locally and on moto there)' },
  },
  'ExpandKwargsOptions.expectedItems': ESTIMATE,
  'DistributedMapOptions.distributed': { local: DISTRIBUTED_LOCAL, cloud: DISTRIBUTED_CLOUD },
  'DistributedMapOptions.toleratedFailureCount': { local: DISTRIBUTED_LOCAL, cloud: DISTRIBUTED_CLOUD },
  'DistributedMapOptions.toleratedFailurePercentage': { local: DISTRIBUTED_LOCAL, cloud: DISTRIBUTED_CLOUD },

  // Sensors
  'SensorOptions.pokeInterval': { local: SENSOR, cloud: [DIFF] },
  'SensorOptions.timeout': { local: SENSOR, cloud: [DIFF] },
  'SensorOptions.softFail': { local: SENSOR, cloud: [DIFF] },
  'SensorOptions.maxWait': { local: [DIFF], cloud: [DIFF] },
  's3Sensor.bucket': {
    local: [EXAMPLES_LOCAL],
    cloud: {
      none: 'neither emulator runs a ListObjectsV2 that finds objects (moto: HTTP 500; MiniStack: numbers as strings); the local engine makes the same call to the emulator’s S3',
    },
  },
  's3Sensor.key': {
    local: [EXAMPLES_LOCAL],
    cloud: {
      none: 'neither emulator runs a ListObjectsV2 that finds objects (moto: HTTP 500; MiniStack: numbers as strings); the local engine makes the same call to the emulator’s S3',
    },
  },
  's3Sensor.prefix': {
    local: [EXAMPLES_DIFF],
    cloud: {
      none: 'neither emulator runs a ListObjectsV2 that finds objects (moto: HTTP 500; MiniStack: numbers as strings); the local engine makes the same call to the emulator’s S3',
    },
  },

  // Cross-DAG. The state lists become the Choice rules of the poll loop both engines run (the compiler test asserts
  // the exact ASL); the sensor runs locally against the local store and on moto against DynamoDB.
  'ExternalTaskSensorOptions.externalDagId': { local: [CROSS_DAG_EXAMPLE], cloud: [CROSS_DAG_MOTO] },
  'ExternalTaskSensorOptions.externalTaskId': { local: [CROSS_DAG_EXAMPLE], cloud: [CROSS_DAG_MOTO] },
  'ExternalTaskSensorOptions.logicalDate': { local: [CROSS_DAG_EXAMPLE], cloud: [CROSS_DAG_MOTO] },
  'ExternalTaskSensorOptions.failedStates': { local: [CROSS_DAG_LOCAL], cloud: [CROSS_DAG_MOTO] },
  'ExternalTaskSensorOptions.allowedStates': { local: [CROSS_DAG_ASL], cloud: [CROSS_DAG_ASL] },
  'ExternalTaskSensorOptions.skippedStates': { local: [CROSS_DAG_ASL], cloud: [CROSS_DAG_ASL] },
  'TriggerDagOptions.dagId': { local: TRIGGER_DAG_LOCAL, cloud: [CROSS_DAG_MOTO] },
  'TriggerDagOptions.conf': { local: TRIGGER_DAG_LOCAL, cloud: [CROSS_DAG_MOTO] },
  'TriggerDagOptions.runId': { local: TRIGGER_DAG_LOCAL, cloud: [CROSS_DAG_MOTO] },
  'TriggerDagOptions.logicalDate': { local: TRIGGER_DAG_LOCAL, cloud: [CROSS_DAG_MOTO] },
  'TriggerDagOptions.failedStates': { local: TRIGGER_DAG_LOCAL, cloud: [CROSS_DAG_ASL] },
  'TriggerDagOptions.allowedStates': { local: TRIGGER_DAG_LOCAL, cloud: [CROSS_DAG_ASL] },
  'TriggerDagOptions.waitForCompletion': { local: TRIGGER_DAG_LOCAL, cloud: [CROSS_DAG_ASL] },

  // Fargate and containers
  'FargateOptions.cpu': { local: FARGATE, cloud: FARGATE_CLOUD },
  'FargateOptions.memory': {
    local: ['test/compiler/fargate-tasks.test.ts'],
    cloud: ['test/compiler/fargate-tasks.test.ts', 'test/lambdas/dag-sync.test.ts'],
  },
  'FargateOptions.environment': { local: FARGATE, cloud: ['test/lambdas/fargate-worker-slots.test.ts'] },
  'FargateOptions.image': {
    local: ['test/local/container-tasks.test.ts'],
    cloud: ['test/lambdas/dag-sync.test.ts', 'test/compiler/fargate-tasks.test.ts'],
  },
  'FargateOptions.command': {
    local: { none: 'container tasks are refused locally (test/local/container-tasks.test.ts)' },
    cloud: ['test/compiler/fargate-tasks.test.ts'],
  },

  // Native steps (local engine and emulator make the same AWS calls)
  'invokeLambda.functionName': { local: ['test/lambdas/dag-sync.test.ts'], cloud: ['test/e2e/stack-local.test.ts'] },
  'invokeLambda.payload': { local: ['test/local/interpreter.test.ts'], cloud: [DIFF] },
  's3Copy.bucket': { local: ['dags/examples/csv_to_json.ts'], cloud: ['dags/examples/csv_to_json.ts'] },
  's3Copy.key': { local: ['dags/examples/csv_to_json.ts'], cloud: ['dags/examples/csv_to_json.ts'] },
  's3Copy.sourceBucket': { local: ['dags/examples/csv_to_json.ts'], cloud: ['dags/examples/csv_to_json.ts'] },
  's3Copy.sourceKey': { local: ['dags/examples/csv_to_json.ts'], cloud: ['dags/examples/csv_to_json.ts'] },
  's3Put.bucket': { local: [NATIVE_FIELDS], cloud: [NATIVE_FIELDS] },
  's3Put.key': { local: [NATIVE_FIELDS], cloud: [NATIVE_FIELDS] },
  's3Put.body': { local: [NATIVE_FIELDS], cloud: [NATIVE_FIELDS] },
  's3Put.contentType': { local: [NATIVE_FIELDS], cloud: [NATIVE_FIELDS] },
  's3List.bucket': { local: [NATIVE_EXAMPLE], cloud: [NATIVE_EXAMPLE] },
  's3List.prefix': { local: [NATIVE_EXAMPLE], cloud: [NATIVE_EXAMPLE] },
  's3List.maxKeys': { local: [NATIVE_EXAMPLE], cloud: [NATIVE_EXAMPLE] },
  'dynamoGet.table': { local: [NATIVE_FIELDS], cloud: [NATIVE_FIELDS] },
  'dynamoGet.key': { local: [NATIVE_FIELDS], cloud: [NATIVE_FIELDS] },
  'dynamoPut.table': { local: [NATIVE_FIELDS], cloud: [NATIVE_FIELDS] },
  'dynamoPut.item': { local: [NATIVE_FIELDS], cloud: [NATIVE_FIELDS] },
  'dynamoUpdate.table': { local: [NATIVE_FIELDS], cloud: [NATIVE_FIELDS] },
  'dynamoUpdate.key': { local: [NATIVE_FIELDS], cloud: [NATIVE_FIELDS] },
  'dynamoUpdate.updateExpression': { local: [NATIVE_FIELDS], cloud: [NATIVE_FIELDS] },
  'dynamoUpdate.expressionAttributeNames': { local: [NATIVE_FIELDS], cloud: [NATIVE_FIELDS] },
  'dynamoUpdate.expressionAttributeValues': { local: [NATIVE_FIELDS], cloud: [NATIVE_FIELDS] },
  'sqsSend.queueUrl': { local: [NATIVE_FIELDS], cloud: [NATIVE_FIELDS] },
  'sqsSend.body': { local: [NATIVE_FIELDS], cloud: [NATIVE_FIELDS] },
  'snsPublish.topicArn': { local: [NATIVE_EXAMPLE], cloud: [NATIVE_EXAMPLE] },
  'snsPublish.subject': { local: [NATIVE_EXAMPLE], cloud: [NATIVE_EXAMPLE] },
  'snsPublish.message': { local: [NATIVE_EXAMPLE], cloud: [NATIVE_EXAMPLE] },
  'eventsPut.entries': { local: [NATIVE_EXAMPLE], cloud: [NATIVE_EXAMPLE] },
  'wait.duration': { local: [NATIVE_EXAMPLE], cloud: [DIFF] },
  'wait.until': { local: [DIFF], cloud: [DIFF] },

  // Task groups
  'TaskGroupOptions.defaultArgs': {
    local: ['test/sdk/task-groups.test.ts'],
    cloud: ['dags/examples/task_groups.ts'],
  },
  'TaskGroupOptions.prefixGroupId': {
    local: ['test/sdk/task-groups.test.ts'],
    cloud: { none: 'it only names tasks, before anything is compiled' },
  },
  'TaskGroupOptions.doc': described('A group doc'),

  // Params (the trigger and the local engine check conf with the same compiled schema)
  'ParamBase.default': { local: PARAMS, cloud: PARAMS_CLOUD },
  'ParamBase.required': { local: PARAMS, cloud: PARAMS_CLOUD },
  'ParamBase.description': described('A param description'),
  'StringParam.type': { local: PARAMS, cloud: PARAMS_CLOUD },
  'StringParam.enum': { local: PARAMS, cloud: PARAMS_CLOUD },
  'StringParam.pattern': { local: PARAMS, cloud: PARAMS_CLOUD },
  'StringParam.minLength': { local: PARAMS, cloud: PARAMS_CLOUD },
  'StringParam.maxLength': { local: PARAMS, cloud: PARAMS_CLOUD },
  'NumberParam.type': { local: PARAMS, cloud: PARAMS_CLOUD },
  'NumberParam.enum': { local: PARAMS, cloud: PARAMS_CLOUD },
  'NumberParam.minimum': { local: PARAMS, cloud: PARAMS_CLOUD },
  'NumberParam.maximum': { local: PARAMS, cloud: PARAMS_CLOUD },
  'BooleanParam.type': { local: PARAMS, cloud: PARAMS_CLOUD },
  'ObjectParam.type': { local: PARAMS, cloud: PARAMS_CLOUD },
  'ArrayParam.type': { local: PARAMS, cloud: PARAMS_CLOUD },
  'ArrayParam.items': { local: PARAMS, cloud: PARAMS_CLOUD },
};
