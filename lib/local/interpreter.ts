import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type {
  AslState,
  FailState,
  MapState,
  ParallelState,
  PassState,
  StateGraph,
  StateMachineDefinition,
  TaskState,
  WaitState,
} from '../compiler/asl-types.ts';
import { ruleMatches } from './choice-rules.ts';
import { Clock } from './clock.ts';
import { type DistributedMapIo, runDistributedMap } from './distributed-map.ts';
import { readPath, writePath } from './jsonpath.ts';
import { applyTemplate } from './payload-template.ts';
import { errorMatches, retryDelay } from './retry-policy.ts';
import {
  checkPayloadLimit,
  errorNameOf,
  heartbeatTimeout,
  isUncatchable,
  messageOf,
  runtimeError,
  StatesError,
} from './states-error.ts';
import { TaskTokens } from './task-tokens.ts';

/**
 * An Amazon States Language interpreter (JSONPath): Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map
 * (inline), the input/output processing fields, Retry, Catch, timeouts and heartbeats, with error names as
 * AWS raises them. Task resources are behind `TaskResources`, so the same engine runs with local workers, real
 * services or test doubles. A definition parsed from JSON goes through `parseDefinition` first.
 */

export interface TaskCall {
  readonly resource: string;
  readonly parameters: unknown;
  readonly stateName: string;
  readonly executionArn: string;
  readonly retryCount: number;
  /** Set for `.waitForTaskToken` resources: the answer comes through `TaskTokens`. */
  readonly token?: string;
  /** Aborted when the state times out, its branch is cancelled, or the execution stops. */
  readonly signal: AbortSignal;
  /**
   * Aborted only when this try ran out of its own time (`TimeoutSeconds`, `HeartbeatSeconds`), with the
   * `States.Timeout` / `States.HeartbeatTimeout` error as reason: the try ended without its worker's answer.
   */
  readonly timedOut?: AbortSignal;
}

export interface TaskResources {
  /** Runs a Task state's resource; for `.waitForTaskToken` the returned value is ignored. */
  invoke(call: TaskCall): Promise<unknown>;
}

export interface ExecutionEvent {
  readonly type:
    | 'ExecutionStarted'
    | 'ExecutionSucceeded'
    | 'ExecutionFailed'
    | 'ExecutionTimedOut'
    | 'ExecutionAborted'
    | 'StateEntered'
    | 'StateExited'
    | 'TaskScheduled'
    | 'TaskSucceeded'
    | 'TaskFailed'
    | 'TaskTimedOut'
    | 'TaskRetrying';
  readonly timestamp: number;
  readonly stateName?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly retryCount?: number;
  readonly input?: unknown;
  readonly output?: unknown;
}

export interface ExecutionOptions {
  readonly definition: StateMachineDefinition;
  readonly input: unknown;
  readonly resources: TaskResources;
  readonly tokens?: TaskTokens;
  readonly clock?: Clock;
  readonly name?: string;
  readonly stateMachineName?: string;
  /** Stops the execution (status ABORTED), e.g. on Ctrl-C. */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: ExecutionEvent) => void;
  /** Where Distributed Maps read items and write results (ItemReader, ResultWriter); none: they cannot. */
  readonly distributedMaps?: DistributedMapIo;
}

export interface ExecutionResult {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly executionArn: string;
}

const CANCELLED = Symbol('cancelled');
/** How many children of a Map or Parallel state start in one turn of the event loop. */
const LAUNCH_BATCH = 200;

export async function runExecution(options: ExecutionOptions): Promise<ExecutionResult> {
  return new Interpreter(options).run();
}

/** What a state hands on: its output, and the next state (none when it ends its machine or branch). */
interface StateResult {
  readonly output: unknown;
  readonly next?: string;
}

/** States that place a result into their input with ResultPath. */
type ResultState = PassState | TaskState | ParallelState | MapState;

/** States that run work which may fail, with Retry and Catch. */
type WorkState = TaskState | ParallelState | MapState;

interface Scope {
  readonly context: Record<string, unknown>;
  readonly signal: AbortSignal;
}

class Interpreter {
  private readonly clock: Clock;
  private readonly tokens: TaskTokens;
  private readonly executionArn: string;
  private readonly abort = new AbortController();

  constructor(private readonly options: ExecutionOptions) {
    this.clock = options.clock ?? new Clock();
    this.tokens = options.tokens ?? new TaskTokens();
    const name = options.name ?? randomUUID();
    const machine = options.stateMachineName ?? 'local';
    this.executionArn = `arn:aws:states:local:000000000000:execution:${machine}:${name}`;
    // Each running task state listens for the execution's stop.
    setMaxListeners(0, this.abort.signal);
  }

  async run(): Promise<ExecutionResult> {
    const { definition, input } = this.options;
    const machine = this.options.stateMachineName ?? 'local';
    const context = {
      Execution: {
        Id: this.executionArn,
        Name: this.executionArn.split(':').at(-1),
        StartTime: new Date(this.clock.now()).toISOString(),
        Input: input,
        RoleArn: 'arn:aws:iam::000000000000:role/local',
      },
      StateMachine: { Id: `arn:aws:states:local:000000000000:stateMachine:${machine}`, Name: machine },
    };
    this.emit({ type: 'ExecutionStarted', input });
    const external = this.options.signal;
    const onExternalAbort = () => this.abort.abort(CANCELLED);
    external?.addEventListener('abort', onExternalAbort, { once: true });
    const timeout =
      definition.TimeoutSeconds !== undefined
        ? this.clock.timer(definition.TimeoutSeconds * 1000, () =>
            this.abort.abort(new StatesError('States.Timeout', 'execution timed out')),
          )
        : undefined;
    try {
      const output = await this.runStates(definition.States, definition.StartAt, input, {
        context,
        signal: this.abort.signal,
      });
      this.emit({ type: 'ExecutionSucceeded', output });
      return { status: 'SUCCEEDED', output, executionArn: this.executionArn };
    } catch (error) {
      const reason = this.abort.signal.aborted ? this.abort.signal.reason : error;
      if (reason === CANCELLED) {
        this.emit({ type: 'ExecutionAborted' });
        return { status: 'ABORTED', executionArn: this.executionArn };
      }
      const failure = reason instanceof StatesError ? reason : new StatesError('States.Runtime', messageOf(reason));
      if (this.abort.signal.aborted && failure.error === 'States.Timeout') {
        this.emit({ type: 'ExecutionTimedOut', error: failure.error, cause: failure.cause_ });
        return { status: 'TIMED_OUT', error: failure.error, cause: failure.cause_, executionArn: this.executionArn };
      }
      this.emit({ type: 'ExecutionFailed', error: failure.error, cause: failure.cause_ });
      return { status: 'FAILED', error: failure.error, cause: failure.cause_, executionArn: this.executionArn };
    } finally {
      timeout?.cancel();
      external?.removeEventListener('abort', onExternalAbort);
      if (!this.abort.signal.aborted) this.abort.abort(CANCELLED);
    }
  }

  private emit(event: Omit<ExecutionEvent, 'timestamp'>): void {
    if (this.options.onEvent !== undefined) this.options.onEvent({ timestamp: this.clock.now(), ...event });
  }

  /** Runs states from `start` until one ends the (sub)machine; returns its output. */
  private async runStates(states: StateGraph['States'], start: string, input: unknown, scope: Scope): Promise<unknown> {
    let name = start;
    let data = input;
    for (;;) {
      if (scope.signal.aborted) throw scope.signal.reason;
      const state = states[name];
      if (state === undefined) throw runtimeError(`state '${name}' does not exist`);
      this.emit({ type: 'StateEntered', stateName: name, input: data });
      const pending = this.runState(name, state, data, scope);
      const result = pending instanceof Promise ? await pending : pending;
      this.emit({ type: 'StateExited', stateName: name, output: result.output });
      if (result.next === undefined) return result.output;
      name = result.next;
      data = result.output;
    }
  }

  /**
   * Runs one state. Pass, Choice, Succeed and Fail answer synchronously (no promise, no microtask): most states
   * of a compiled DAG are these, and a promise per state would be most of their cost.
   */
  private runState(name: string, state: AslState, raw: unknown, scope: Scope): StateResult | Promise<StateResult> {
    const stateContext = (retryCount: number, extra: Record<string, unknown> = {}) => ({
      ...scope.context,
      State: { Name: name, EnteredTime: new Date(this.clock.now()).toISOString(), RetryCount: retryCount },
      ...extra,
    });
    const inputPath = 'InputPath' in state ? state.InputPath : undefined;
    const input = inputPath === null ? {} : readPath(inputPath ?? '$', raw, scope.context);
    switch (state.Type) {
      case 'Pass': {
        const result =
          'Result' in state
            ? state.Result
            : state.Parameters !== undefined
              ? applyTemplate(state.Parameters, input, stateContext(0))
              : input;
        return this.placeResult(state, raw, result, scope);
      }
      case 'Succeed':
        return { output: this.outputOf(state, input, scope) };
      case 'Fail':
        throw this.failure(state, input, scope);
      case 'Choice': {
        for (const rule of state.Choices) {
          if (ruleMatches(rule, input, scope.context))
            return { output: this.outputOf(state, input, scope), next: rule.Next };
        }
        if (typeof state.Default === 'string')
          return { output: this.outputOf(state, input, scope), next: state.Default };
        throw new StatesError(
          'States.NoChoiceMatched',
          `no Choice rule matched in state '${name}' and it has no Default`,
        );
      }
      case 'Wait':
        return this.clock.sleep(this.waitMs(state, input, scope), scope.signal).then(() => ({
          output: this.outputOf(state, input, scope),
          next: state.End === true ? undefined : state.Next,
        }));
      case 'Task':
      case 'Parallel':
      case 'Map':
        return this.withRetryAndCatch(
          name,
          state,
          raw,
          scope,
          async (retryCount) => {
            const result = await this.runWork(name, state, input, scope, retryCount, stateContext);
            return state.ResultSelector !== undefined
              ? applyTemplate(state.ResultSelector, result, scope.context)
              : result;
          },
          (result, next) => this.placeResult(state, raw, result, scope, next),
        );
      default:
        // Unreachable for a checked definition (parseDefinition), kept for one built in code against the types.
        throw runtimeError(`state '${name}' has an unknown Type`);
    }
  }

  /** ResultPath places the result into the state's raw input, then OutputPath picks the output. */
  private placeResult(state: ResultState, raw: unknown, result: unknown, scope: Scope, next = state.Next): StateResult {
    const placed = writePath(state.ResultPath, raw, result);
    const output = state.OutputPath === null ? {} : readPath(state.OutputPath ?? '$', placed, scope.context);
    return { output, next: state.End === true ? undefined : next };
  }

  private outputOf(state: Exclude<AslState, FailState>, input: unknown, scope: Scope): unknown {
    return state.OutputPath === null ? {} : readPath(state.OutputPath ?? '$', input, scope.context);
  }

  /** The error a Fail state raises: Error and Cause, or the strings at ErrorPath and CausePath. */
  private failure(state: FailState, input: unknown, scope: Scope): StatesError {
    const text = (path: string, field: string) => {
      const value = readPath(path, input, scope.context);
      if (typeof value !== 'string') throw runtimeError(`${field} ${path} is not a string`);
      return value;
    };
    return new StatesError(
      state.ErrorPath !== undefined ? text(state.ErrorPath, 'ErrorPath') : (state.Error ?? ''),
      state.CausePath !== undefined ? text(state.CausePath, 'CausePath') : (state.Cause ?? ''),
    );
  }

  private waitMs(state: WaitState, input: unknown, scope: Scope): number {
    if (typeof state.Seconds === 'number') return state.Seconds * 1000;
    if (typeof state.SecondsPath === 'string') {
      const seconds = readPath(state.SecondsPath, input, scope.context);
      if (typeof seconds !== 'number' || seconds < 0)
        throw runtimeError(`SecondsPath ${state.SecondsPath} is not a non-negative number`);
      return seconds * 1000;
    }
    const timestamp =
      typeof state.Timestamp === 'string'
        ? state.Timestamp
        : state.TimestampPath !== undefined
          ? readPath(state.TimestampPath, input, scope.context)
          : undefined;
    const at = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
    if (Number.isNaN(at)) throw runtimeError(`Wait timestamp ${String(timestamp)} is not an ISO 8601 timestamp`);
    return Math.max(0, at - this.clock.now());
  }

  /** Retry per the state's retriers, then Catch; an error no catcher handles fails the state. */
  private async withRetryAndCatch(
    name: string,
    state: WorkState,
    raw: unknown,
    scope: Scope,
    work: (retryCount: number) => Promise<unknown>,
    finish: (result: unknown, next?: string) => { output: unknown; next?: string },
  ): Promise<{ output: unknown; next?: string }> {
    const attempts: number[] = [];
    for (let retryCount = 0; ; retryCount++) {
      try {
        const finished = finish(await work(retryCount));
        // Results are where a payload grows (Pass, Choice and Wait only add small constants), so the quota is
        // checked here rather than on every state.
        checkPayloadLimit(name, finished.output);
        return finished;
      } catch (thrown) {
        if (scope.signal.aborted) throw scope.signal.reason;
        const error = thrown instanceof StatesError ? thrown : new StatesError('States.Runtime', messageOf(thrown));
        if (isUncatchable(error.error)) throw error;
        const delay = retryDelay(state.Retry, error.error, attempts, Math.random, error.aliases);
        if (delay !== undefined) {
          this.emit({ type: 'TaskRetrying', stateName: name, error: error.error, cause: error.cause_, retryCount });
          await this.clock.sleep(delay, scope.signal);
          continue;
        }
        for (const catcher of state.Catch ?? []) {
          if (!errorMatches(catcher.ErrorEquals, error.error, error.aliases)) continue;
          const output = writePath(catcher.ResultPath === undefined ? '$' : catcher.ResultPath, raw, error.toOutput());
          return { output, next: catcher.Next };
        }
        throw error;
      }
    }
  }

  private async runWork(
    name: string,
    state: WorkState,
    input: unknown,
    scope: Scope,
    retryCount: number,
    stateContext: (retryCount: number, extra?: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<unknown> {
    if (state.Type === 'Parallel') return this.runParallel(state, input, scope, stateContext(retryCount));
    if (state.Type === 'Map') return this.runMap(name, state, input, scope, stateContext(retryCount));
    return this.runTask(name, state, input, scope, retryCount, stateContext);
  }

  private async runTask(
    name: string,
    state: TaskState,
    input: unknown,
    scope: Scope,
    retryCount: number,
    stateContext: (retryCount: number, extra?: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<unknown> {
    const resource = state.Resource;
    const callback = resource.endsWith('.waitForTaskToken');
    const local = new AbortController();
    const ownTimeout = new AbortController();
    const onOuterAbort = () => local.abort(scope.signal.reason);
    scope.signal.addEventListener('abort', onOuterAbort, { once: true });
    const timers: Array<{ cancel(): void }> = [];
    let heartbeat: { reset(): void; cancel(): void } | undefined;
    const registration = callback ? this.tokens.register(() => heartbeat?.reset()) : undefined;
    try {
      const context = stateContext(
        retryCount,
        registration !== undefined ? { Task: { Token: registration.token } } : {},
      );
      const parameters = state.Parameters !== undefined ? applyTemplate(state.Parameters, input, context) : input;
      const timeoutSeconds =
        typeof state.TimeoutSecondsPath === 'string'
          ? this.secondsAt(state.TimeoutSecondsPath, input, scope)
          : state.TimeoutSeconds;
      const heartbeatSeconds = state.HeartbeatSeconds;
      const stopped = new Promise<never>((_, reject) => {
        const fail = (error: StatesError) => {
          ownTimeout.abort(error);
          local.abort(error);
          reject(error);
        };
        if (timeoutSeconds !== undefined) {
          timers.push(
            this.clock.timer(timeoutSeconds * 1000, () =>
              fail(new StatesError('States.Timeout', `state ${name} timed out after ${timeoutSeconds}s`)),
            ),
          );
        }
        if (heartbeatSeconds !== undefined) {
          heartbeat = this.clock.timer(heartbeatSeconds * 1000, () =>
            fail(heartbeatTimeout(`no heartbeat for ${heartbeatSeconds}s in state ${name}`)),
          );
          timers.push(heartbeat);
        }
        local.signal.addEventListener('abort', () => reject(local.signal.reason), { once: true });
      });
      stopped.catch(() => undefined);
      this.emit({ type: 'TaskScheduled', stateName: name, retryCount, input: parameters });
      const call: TaskCall = {
        resource,
        parameters,
        stateName: name,
        executionArn: this.executionArn,
        retryCount,
        ...(registration !== undefined ? { token: registration.token } : {}),
        signal: local.signal,
        timedOut: ownTimeout.signal,
      };
      const invoked = this.options.resources.invoke(call);
      const result = await Promise.race([
        registration !== undefined ? invoked.then(() => registration.answer) : invoked,
        stopped,
      ]);
      this.emit({ type: 'TaskSucceeded', stateName: name, retryCount, output: result });
      return result;
    } catch (thrown) {
      const error =
        thrown instanceof StatesError
          ? thrown
          : new StatesError(errorNameOf(thrown) ?? 'States.TaskFailed', messageOf(thrown));
      if (!scope.signal.aborted) {
        const timedOut = error.error === 'States.Timeout';
        this.emit({
          type: timedOut ? 'TaskTimedOut' : 'TaskFailed',
          stateName: name,
          retryCount,
          error: error.error,
          cause: error.cause_,
        });
      }
      throw error;
    } finally {
      for (const timer of timers) timer.cancel();
      registration?.release();
      scope.signal.removeEventListener('abort', onOuterAbort);
      if (!local.signal.aborted) local.abort(CANCELLED);
    }
  }

  private secondsAt(path: string, input: unknown, scope: Scope): number {
    const seconds = readPath(path, input, scope.context);
    if (typeof seconds !== 'number') throw runtimeError(`TimeoutSecondsPath ${path} is not a number`);
    return seconds;
  }

  /** All branches run at once; the first failure cancels the others and fails the state. */
  private async runParallel(
    state: ParallelState,
    input: unknown,
    scope: Scope,
    context: Record<string, unknown>,
  ): Promise<unknown> {
    const branches = state.Branches;
    const effective = state.Parameters !== undefined ? applyTemplate(state.Parameters, input, context) : input;
    return this.runChildren(
      branches.map(
        (branch) => (signal: AbortSignal) =>
          this.runStates(branch.States, branch.StartAt, effective, { context: scope.context, signal }),
      ),
      scope,
      0,
      { count: 0, percent: 0 },
    );
  }

  private async runMap(
    name: string,
    state: MapState,
    input: unknown,
    scope: Scope,
    context: Record<string, unknown>,
  ): Promise<unknown> {
    if (state.ItemProcessor.ProcessorConfig?.Mode === 'DISTRIBUTED') {
      const { States, StartAt } = state.ItemProcessor;
      return runDistributedMap({
        name,
        state,
        input,
        context,
        executionArn: this.executionArn,
        signal: scope.signal,
        io: this.options.distributedMaps,
        runChild: (childInput, childContext, signal) =>
          this.runStates(States, StartAt, childInput, { context: childContext, signal }),
      });
    }
    const items = readPath(state.ItemsPath ?? '$', input, scope.context);
    if (!Array.isArray(items))
      throw runtimeError(
        `Map state '${name}': ItemsPath ${String(state.ItemsPath ?? '$')} does not point to an array (got ${jsonTypeOf(items)})`,
      );
    const processor = state.ItemProcessor;
    const selector = state.ItemSelector ?? state.Parameters;
    const tolerance = { count: state.ToleratedFailureCount ?? 0, percent: state.ToleratedFailurePercentage ?? 0 };
    return this.runChildren(
      items.map((item, index) => (signal: AbortSignal) => {
        const itemContext = { ...context, Map: { Item: { Index: index, Value: item } } };
        const itemInput = selector !== undefined ? applyTemplate(selector, input, itemContext) : item;
        return this.runStates(processor.States, processor.StartAt, itemInput, { context: scope.context, signal });
      }),
      scope,
      state.MaxConcurrency ?? 0,
      tolerance,
    );
  }

  /**
   * Runs children with at most `limit` at once (0 = all). A failure beyond the tolerated count or percentage
   * cancels the rest and fails the state with the child's error; tolerated failures leave null in the results.
   */
  private runChildren(
    children: Array<(signal: AbortSignal) => Promise<unknown>>,
    scope: Scope,
    limit: number,
    tolerance: { count: number; percent: number },
  ): Promise<unknown[]> {
    const controller = new AbortController();
    // Every running child (a map's items: thousands) listens for the cancel: that is no leak.
    setMaxListeners(0, controller.signal);
    const onAbort = () => controller.abort(scope.signal.reason);
    scope.signal.addEventListener('abort', onAbort, { once: true });
    const results: unknown[] = new Array(children.length).fill(null);
    let failures = 0;
    let next = 0;
    return new Promise<unknown[]>((resolve, reject) => {
      let running = 0;
      let done = 0;
      let settled = false;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        scope.signal.removeEventListener('abort', onAbort);
        if (error !== undefined) {
          controller.abort(CANCELLED);
          reject(error);
        } else resolve(results);
      };
      let resuming = false;
      const launch = () => {
        let launched = 0;
        while (!settled && next < children.length && (limit <= 0 || running < limit)) {
          // A large map starts its items in batches, one turn of the event loop each: started all at once, tens
          // of thousands of items hold the loop for minutes, and a Ctrl-C or SIGTERM is not even seen.
          if (launched === LAUNCH_BATCH) {
            if (!resuming) {
              resuming = true;
              setImmediate(() => {
                resuming = false;
                launch();
              });
            }
            return;
          }
          launched++;
          const index = next++;
          running++;
          children[index]!(controller.signal).then(
            (result) => {
              results[index] = result;
              running--;
              done++;
              if (done === children.length) finish();
              else launch();
            },
            (error) => {
              running--;
              done++;
              failures++;
              const tolerated =
                failures <= tolerance.count ||
                (tolerance.percent > 0 && (failures / children.length) * 100 <= tolerance.percent);
              if (!tolerated || controller.signal.aborted) {
                finish(
                  tolerance.count > 0 || tolerance.percent > 0
                    ? new StatesError(
                        'States.ExceedToleratedFailureThreshold',
                        'the Map state failed more items than it tolerates',
                      )
                    : error,
                );
                return;
              }
              if (done === children.length) finish();
              else launch();
            },
          );
        }
      };
      if (children.length === 0) finish();
      else launch();
    });
  }
}

/** A JSON value's type in words, for an error that says what came instead of a list. */
function jsonTypeOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
