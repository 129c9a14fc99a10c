export { DAG_ALARM_KINDS, type DagAlarmKind, type DagAlarms } from './alarms.ts';
export {
  type Asset,
  type AssetAll,
  type AssetAny,
  type AssetCondition,
  type AssetSchedule,
  allOf,
  anyOf,
  asset,
} from './asset.ts';
export {
  type AssetWatcher,
  type EventPattern,
  type EventPatternWatcher,
  eventPattern,
  type S3ObjectCreatedWatcher,
  s3ObjectCreated,
} from './asset-watchers.ts';
export type {
  AwsSdkCommandClass,
  AwsSdkInput,
  AwsSdkOutput,
  AwsSdkStepInput,
  AwsSdkStepOptions,
  TemplateReference,
} from './aws-sdk-step.ts';
export {
  CALLBACK_TIME_LIMIT_MS,
  type CallbackError,
  type CallbackRun,
  type DagCallback,
  type DagCallbackContext,
  type DagCallbackName,
  type DagCallbackState,
  type DeadlineCallback,
  type DeadlineCallbackContext,
  type TaskCallback,
  type TaskCallbackContext,
  type TaskCallbackName,
  type TaskCallbackState,
} from './callbacks.ts';
export type { Connection } from './connection.ts';
export type { AssetEventInfo, AwsCredentials, RunType, TaskAws, TaskContext } from './context.ts';
export type {
  ExternalRunState,
  ExternalTaskSensorOptions,
  ExternalTaskState,
  TriggerDagOptions,
} from './cross-dag.ts';
export { Dag, type DagOptions, dag, isDag, type Schedule } from './dag.ts';
export { DEADLINE_REFERENCES, type DeadlineAlert, type DeadlineReference } from './deadline.ts';
export type { DistributedMapOptions } from './distributed-map-options.ts';
export { type Duration, parseDuration, tryParseDuration } from './duration.ts';
export {
  AirstepError,
  CycleError,
  DagDefinitionError,
  DagValidationError,
  formatProblem,
  NonRetryableError,
  type Problem,
  type ProblemLocation,
  SkipError,
} from './errors.ts';
export type { OutletEvent, OutletEvents } from './outlet-events.ts';
export type { ParamSpec, ParamsSpec, ParamValues } from './params.ts';
export {
  ConnectionNotFoundError,
  InvalidConnectionError,
  InvalidSecretNameError,
  VariableNotFoundError,
} from './secret-errors.ts';
export { chain, crossDownstream, fanIn, fanOut } from './structure.ts';
export type { Compute, DefaultArgs, FargateOptions, TaskOptions } from './task-options.ts';
export { type Dependency, DependencyNode, TaskRef } from './task-ref.ts';
export {
  type BranchChoice,
  type CodeTaskOptions,
  type CommonTaskOptions,
  type ExpandOptions,
  type Inputs,
  type InputValues,
  type LatestOnlyOptions,
  type PokeResult,
  type ShortCircuitOptions,
  TaskGroup,
  type TaskGroupOptions,
  TaskScope,
} from './task-scope.ts';
export type { SensorOptions, TaskSpec } from './task-spec.ts';
export { isTriggerRule, TRIGGER_RULES, type TriggerRule } from './trigger-rule.ts';
export { WEIGHT_RULES, type WeightRule } from './weight-rule.ts';
