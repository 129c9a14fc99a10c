/**
 * The Amazon States Language (JSONPath) states the compiler emits and the local engine runs: the contract where
 * the two meet. The engine also runs definitions parsed from JSON, after `parseDefinition` (lib/local) checks
 * them, so these types hold a few fields the compiler never writes (InputPath, OutputPath, ErrorPath, …).
 * @see https://states-language.net/spec.html
 */

/** A state machine, or the part of one a Parallel branch or a Map's ItemProcessor runs. */
export interface StateMachineDefinition extends StateGraph {
  readonly Comment?: string;
  /** Fails the execution with `States.Timeout` after this long. */
  readonly TimeoutSeconds?: number;
}

/** States and the one to start from: a whole machine, a Parallel branch or a Map's item processor. */
export interface StateGraph {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

export type AslState =
  | PassState
  | TaskState
  | ChoiceState
  | WaitState
  | SucceedState
  | FailState
  | ParallelState
  | MapState;

export type StateType = AslState['Type'];

/**
 * Parameters, ResultSelector and ItemSelector: JSON in which a key ending in `.$` takes its value from a path or
 * an intrinsic function (`'count.$': 'States.ArrayLength($)'`); everything else is copied as it is.
 */
export type PayloadTemplate = Readonly<Record<string, unknown>>;

/** A reference path, or null: InputPath null gives the state `{}`, ResultPath null discards the result. */
export type NullablePath = string | null;

/**
 * Where a state goes after it: `Next`, or `End: true` at the end of its machine or branch (exactly one;
 * `parseDefinition` checks it for JSON input).
 */
interface Transition {
  readonly Next?: string;
  readonly End?: true;
}

interface InputOutput {
  readonly Comment?: string;
  readonly InputPath?: NullablePath;
  readonly OutputPath?: NullablePath;
}

/** A state that places a result into its input (Pass, Task, Parallel, Map). */
interface ResultPlacement {
  readonly ResultPath?: NullablePath;
}

/** A state that runs work and may fail: its Retry and Catch, and how its result is reshaped. */
interface ErrorHandling {
  readonly ResultSelector?: PayloadTemplate;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
}

/** @see https://docs.aws.amazon.com/step-functions/latest/dg/state-pass.html */
export interface PassState extends InputOutput, ResultPlacement, Transition {
  readonly Type: 'Pass';
  /** The state's result as it is; without it, Parameters (or the input) is the result. */
  readonly Result?: unknown;
  readonly Parameters?: PayloadTemplate;
}

/** @see https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html */
export interface TaskState extends InputOutput, ResultPlacement, ErrorHandling, Transition {
  readonly Type: 'Task';
  /** The integration's ARN, e.g. `arn:aws:states:::sqs:sendMessage.waitForTaskToken`. */
  readonly Resource: string;
  readonly Parameters?: PayloadTemplate;
  readonly TimeoutSeconds?: number;
  readonly TimeoutSecondsPath?: string;
  /** Less than TimeoutSeconds; a task that sends no heartbeat for this long fails with `States.Timeout`. */
  readonly HeartbeatSeconds?: number;
}

/** @see https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html */
export interface ChoiceState extends InputOutput {
  readonly Type: 'Choice';
  /** Tried in order; the first that matches names the next state. */
  readonly Choices: readonly ChoiceRuleWithNext[];
  /** Where to go when no rule matches; without it that is `States.NoChoiceMatched`. */
  readonly Default?: string;
}

/** @see https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html */
export interface WaitState extends InputOutput, Transition {
  readonly Type: 'Wait';
  readonly Seconds?: number;
  readonly SecondsPath?: string;
  readonly Timestamp?: string;
  readonly TimestampPath?: string;
}

/** @see https://docs.aws.amazon.com/step-functions/latest/dg/state-succeed.html */
export interface SucceedState extends InputOutput {
  readonly Type: 'Succeed';
}

/** @see https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html */
export interface FailState {
  readonly Type: 'Fail';
  readonly Comment?: string;
  readonly Error?: string;
  readonly ErrorPath?: string;
  readonly Cause?: string;
  readonly CausePath?: string;
}

/** @see https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html */
export interface ParallelState extends InputOutput, ResultPlacement, ErrorHandling, Transition {
  readonly Type: 'Parallel';
  /** Run at once, each from the same input; the state's result is their outputs in order. */
  readonly Branches: readonly StateGraph[];
  readonly Parameters?: PayloadTemplate;
}

/** @see https://docs.aws.amazon.com/step-functions/latest/dg/state-map.html */
export interface MapState extends InputOutput, ResultPlacement, ErrorHandling, Transition {
  readonly Type: 'Map';
  /** The list to map over. @default '$' */
  readonly ItemsPath?: string;
  /** Each item's input, with `$$.Map.Item.Value` and `$$.Map.Item.Index` in its context. */
  readonly ItemSelector?: PayloadTemplate;
  /** The older name of ItemSelector. */
  readonly Parameters?: PayloadTemplate;
  readonly ItemProcessor: ItemProcessor;
  /** How many items run at once; 0 means no limit. @default 0 */
  readonly MaxConcurrency?: number;
  readonly ToleratedFailureCount?: number;
  readonly ToleratedFailurePercentage?: number;
  /** A Distributed Map's items read from S3 (instead of `ItemsPath`). */
  readonly ItemReader?: ItemReader;
  /** A Distributed Map's child execution results written to S3 (the state's result is then where they are). */
  readonly ResultWriter?: ResultWriter;
}

export interface ItemProcessor extends StateGraph {
  readonly ProcessorConfig?: {
    readonly Mode?: 'INLINE' | 'DISTRIBUTED';
    /** Distributed mode: each item is a child execution of this kind. */
    readonly ExecutionType?: 'STANDARD' | 'EXPRESS';
  };
}

/**
 * `arn:aws:states:::s3:getObject` with `ReaderConfig.InputType: 'JSON'`: the object is a JSON list, each element
 * an item. @see https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html
 */
export interface ItemReader {
  readonly Resource: string;
  readonly ReaderConfig?: { readonly InputType?: 'JSON' | 'CSV' | 'MANIFEST' | 'JSONL' };
  readonly Parameters: PayloadTemplate;
}

/**
 * `arn:aws:states:::s3:putObject`: results under `Prefix` in `Bucket`; the state's result is
 * `{ MapRunArn, ResultWriterDetails: { Bucket, Key } }`, Key being the run's `manifest.json`.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html
 */
export interface ResultWriter {
  readonly Resource: string;
  readonly Parameters: PayloadTemplate;
}

/** @see https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html */
export interface Retrier {
  readonly ErrorEquals: readonly string[];
  /** @default 1 */
  readonly IntervalSeconds?: number;
  /** 0 means never retried. @default 3 */
  readonly MaxAttempts?: number;
  /** @default 2 */
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  readonly ErrorEquals: readonly string[];
  /** Where the `{ Error, Cause }` object goes in the state's input. @default '$' */
  readonly ResultPath?: NullablePath;
  readonly Next: string;
}

/** A Choice rule: a comparison on a `Variable`, or `And` / `Or` / `Not` of rules. */
export type ChoiceRule = ComparisonRule | AndRule | OrRule | NotRule;

/** A rule at the top of a Choice state's `Choices`: it names the state to go to. */
export type ChoiceRuleWithNext = ChoiceRule & { readonly Next: string };

export interface AndRule {
  readonly And: readonly ChoiceRule[];
}

export interface OrRule {
  readonly Or: readonly ChoiceRule[];
}

export interface NotRule {
  readonly Not: ChoiceRule;
}

/** Comparisons of a string operand; Timestamp ones compare ISO 8601 timestamps. */
export type StringOperator =
  | 'StringEquals'
  | 'StringLessThan'
  | 'StringGreaterThan'
  | 'StringLessThanEquals'
  | 'StringGreaterThanEquals'
  | 'StringMatches'
  | 'TimestampEquals'
  | 'TimestampLessThan'
  | 'TimestampGreaterThan'
  | 'TimestampLessThanEquals'
  | 'TimestampGreaterThanEquals';

export type NumericOperator =
  | 'NumericEquals'
  | 'NumericLessThan'
  | 'NumericGreaterThan'
  | 'NumericLessThanEquals'
  | 'NumericGreaterThanEquals';

/** BooleanEquals, and the type tests: `IsPresent: true` matches when the Variable's path exists. */
export type BooleanOperator =
  | 'BooleanEquals'
  | 'IsNull'
  | 'IsPresent'
  | 'IsNumeric'
  | 'IsString'
  | 'IsBoolean'
  | 'IsTimestamp';

/** A comparison with the value at another path (`StringEqualsPath: '$.expected'`). */
export type PathOperator = `${Exclude<StringOperator, 'StringMatches'> | NumericOperator | 'BooleanEquals'}Path`;

/** One comparison on the value at `Variable` (ASL allows exactly one operator per rule). */
export type ComparisonRule = { readonly Variable: string } & Partial<
  Readonly<
    Record<StringOperator | PathOperator, string> & Record<NumericOperator, number> & Record<BooleanOperator, boolean>
  >
>;
