import { InternalError } from '../errors/airstep-error.ts';
import type { AslState, ChoiceRule, ChoiceRuleWithNext, StateMachineDefinition, TaskState } from './asl-types.ts';
import type { DagIR, TaskIR } from './ir.ts';
import { irLookup } from './ir-lookup.ts';
import { isLatestOnly, notLatestRule } from './latest-only.ts';
import { mergedTaskRecords } from './merged-task-records.ts';
import { outletEventsState } from './outlet-events-state.ts';
import { placeholder } from './placeholders.ts';
import type { Block, Step, StructurePlan } from './plan-structure.ts';
import { decideTeardown, runStateLeaves, teardownFormulas } from './setup-teardown.ts';
import { runByWorker, taskInstanceWriteStates } from './task-instance-write.ts';
import { canSkipItself, emitRunStates } from './task-states.ts';
import { CONTEXT_PATHS, splitXcomReference, type TemplateRef } from './templates.ts';
import {
  type Decision,
  decideTriggerRule,
  type FinalState,
  type Formula,
  triggerRuleFormulas,
} from './trigger-rule-decision.ts';
import { SOME_ITEMS_SUCCEEDED, STATE_SUFFIX } from './worker-contract.ts';

/**
 * The state payload every state reads and writes:
 *   { ctx: run context, tasks: { <key>: { state, output?, try?, error?, … } }, gates: { <key>: {…} } }
 * A run starts with `{ ctx, tasks: {}, gates: {} }`. Each task writes its record under `tasks`; Parallel states
 * merge their branches' records; trigger rules are Choice states over upstream records.
 */
const END = '\u0000end';
const RUN_RESULT = 'run:result';
const RUN_SUCCEEDED = 'run:succeeded';
const RUN_FAILED = 'run:failed';
const CHILD_DONE = 'run:part-done';

/** A sequence of steps in the plan (the root, or one branch of a Parallel) and the Parallel step holding it. */
interface Sequence {
  readonly parent?: Place;
  readonly depth: number;
}
/** A step of a sequence: a task, or the Parallel step holding a nested sequence. */
interface Place {
  readonly sequence: Sequence;
  readonly step: number;
}

/**
 * How the step after a task is entered: one state, or (the next step is a task whose only upstream is this one)
 * for each final state of this task, the state the next task's trigger rule decides, without a Choice. Those are
 * emitted only when some path leads to them (ASL rejects unreachable states).
 */
type Entry =
  | { readonly kind: 'uniform'; readonly target: string }
  | { readonly kind: 'byState'; readonly next: TaskEmission };

/**
 * One task as the emitter handles it. Its states are reached through methods taking this record rather than
 * closures made per task: the CLI and the bench run the compiler through tsx, whose esbuild `keepNames` gives
 * every named closure a `defineProperty` call when it is created, and a dozen per task were a quarter of emitting.
 */
interface TaskEmission {
  readonly task: TaskIR;
  readonly name: string;
  /** Where the task's paths go once it has ended. */
  readonly next: Entry;
  /** The state telling the gates that wait for this task that it ended; every exit passes through it. */
  readonly signal: string | undefined;
  /** The write of the task's live record, for a task no worker runs (task-instance-write.ts); every exit first. */
  readonly recorded: string | undefined;
  /** Whether some path leads to the task's run states (then they are queued, once). */
  runRequested: boolean;
}

/** A mapped task whose items succeeded and skipped themselves, as its downstream task's trigger rule counts them. */
const SOME_SUCCEEDED: readonly FinalState[] = ['success', 'skipped'];

/** The Pass states recording that a task did not run, by name suffix: the record, and how the task ended. */
const NOT_RUN = {
  skipped: { record: { state: 'skipped', output: null }, endedAs: 'skipped' },
  skipped_sc: { record: { state: 'skipped', output: null, sc: true }, endedAs: 'skipped' },
  upstream_failed: { record: { state: 'upstream_failed', output: null }, endedAs: 'upstream_failed' },
} as const;
type NotRun = keyof typeof NOT_RUN;

/** States some path leads to, queued to be emitted into the States map that was current when they were asked for. */
type PendingStates =
  | { readonly kind: 'run'; readonly states: Map<string, AslState>; readonly emission: TaskEmission }
  | {
      readonly kind: NotRun;
      readonly states: Map<string, AslState>;
      readonly emission: TaskEmission;
      readonly name: string;
    };

/**
 * One machine of a DAG split into a parent and children (machine-split.ts): only the plan's tasks are emitted, an
 * upstream task in another machine is waited for at a gate, and the run result is left to the parent.
 */
export interface MachineScope {
  /** Tasks of this machine a gate in another machine waits for: they signal their end. */
  readonly signals: ReadonlySet<string>;
  /** Where gates and signals find the run's execution (the parent's), which keys the gates of the whole run. */
  readonly runExecutionPath: string;
}

export function emitAsl(ir: DagIR, plan: StructurePlan, scope?: MachineScope): StateMachineDefinition {
  return new AslEmitter(ir, plan, scope).emit();
}

class AslEmitter {
  private readonly tasks: ReadonlyMap<string, TaskIR>;
  private readonly names: ReadonlyMap<string, string>;
  private readonly downstream: ReadonlyMap<string, readonly string[]>;
  private readonly taskNames: ReadonlySet<string>;
  /** Where each task is in the plan, to tell what ran before it. */
  private readonly places = new Map<string, Place>();
  /** Task id -> upstream ids its branch must wait for at a gate. */
  private readonly gated = new Map<string, string[]>();
  /** Tasks whose end some gate waits for: they send a signal when they end. */
  private readonly signaled = new Set<string>();
  /** Tasks downstream of a short-circuit that skips everything below it: they may inherit its skip. */
  private readonly shortCircuited = new Set<string>();
  /** State names given here, beside the tasks' own (`taskNames`). */
  private readonly usedNames = new Set<string>();
  /** States some path leads to, waiting to be emitted (see `notRun` and `runEntry`). */
  private readonly pending: PendingStates[] = [];
  /** The next job of `pending` to run: a read position, as `shift()` moves every queued job on each call. */
  private pendingHead = 0;
  private readonly requested = new Set<string>();
  private states!: Map<string, AslState>;

  constructor(
    private readonly ir: DagIR,
    private readonly plan: StructurePlan,
    private readonly scope?: MachineScope,
  ) {
    ({ tasks: this.tasks, names: this.names, downstream: this.downstream, taskNames: this.taskNames } = irLookup(ir));
    this.locate(plan.root, { depth: 0 });
    for (const [id, cut] of plan.cutEdges) {
      // `always`: starts with the run, waiting for none of its upstream tasks.
      if (plan.openEarly.get(id)?.length === 0) continue;
      const missing = cut.filter((up) => !this.ranBefore(up, id));
      if (missing.length === 0) continue;
      this.gated.set(id, missing);
      for (const up of missing) this.signaled.add(up);
    }
    for (const id of scope?.signals ?? []) this.signaled.add(id);
    for (const task of ir.tasks) {
      if (task.kind === 'code' && task.role === 'short_circuit' && task.ignoreDownstreamTriggerRules)
        this.markShortCircuited(task.id);
    }
  }

  emit(): StateMachineDefinition {
    const root = new Map<string, AslState>();
    this.states = root;
    if (this.scope !== undefined) return this.emitChild(root);
    const leaves = runStateLeaves(this.ir.tasks, this.downstream);
    const start = this.emitBlock(this.plan.root, RUN_RESULT);
    const failedLeaf: ChoiceRule[] = leaves.map((task) => ({
      Or: [
        { Variable: `$.tasks.${task.key}.state`, StringEquals: 'failed' },
        { Variable: `$.tasks.${task.key}.state`, StringEquals: 'upstream_failed' },
      ],
    }));
    const anyLeafFailed = failedLeaf.length === 1 ? failedLeaf[0]! : { Or: failedLeaf };
    root.set(RUN_RESULT, {
      Type: 'Choice',
      Choices: [{ ...anyLeafFailed, Next: RUN_FAILED }],
      Default: RUN_SUCCEEDED,
    });
    root.set(RUN_SUCCEEDED, { Type: 'Succeed' });
    root.set(RUN_FAILED, {
      Type: 'Fail',
      Error: 'DagRunFailed',
      Cause: `a leaf task of DAG ${this.ir.dagId} failed or its upstream failed; see the task states`,
    });
    return {
      Comment: `Airstep DAG ${this.ir.dagId}${this.ir.description !== undefined ? `: ${this.ir.description}` : ''}`,
      StartAt: start,
      ...(this.ir.dagrunTimeoutSeconds !== undefined ? { TimeoutSeconds: this.ir.dagrunTimeoutSeconds } : {}),
      States: orderStates(start, root),
    };
  }

  /** A child machine: its tasks, then it ends; the parent decides the run's result from every task's record. */
  private emitChild(root: Map<string, AslState>): StateMachineDefinition {
    const start = this.emitBlock(this.plan.root, CHILD_DONE);
    root.set(CHILD_DONE, { Type: 'Succeed' });
    return {
      Comment: `Airstep DAG ${this.ir.dagId}: part of its run (the parent machine starts it)`,
      StartAt: start,
      States: orderStates(start, root),
    };
  }

  /** Emits a sequence backwards (each step needs the entry of the one after it); returns the first state. */
  private emitBlock(block: Block, exit: string): string {
    let next: Entry = { kind: 'uniform', target: exit };
    for (let i = block.length - 1; i >= 0; i--) next = this.emitStep(block[i]!, next, block[i - 1]);
    if (next.kind !== 'uniform') throw new InternalError('internal: a block cannot start with a per-state entry');
    // Emit the states that paths lead to; a queue, not recursion, so a 10,000-task chain needs no deep stack.
    while (this.pendingHead < this.pending.length) {
      const job = this.pending[this.pendingHead++]!;
      // A job emits into the States map it was queued for, whichever block is being drained.
      const current = this.states;
      this.states = job.states;
      if (job.kind === 'run') this.emitRun(job.emission);
      else this.emitNotRun(job.emission, job.kind, job.name);
      this.states = current;
    }
    this.pending.length = 0;
    this.pendingHead = 0;
    return next.target;
  }

  /**
   * The Pass state recording that a task did not run. Emitted only if something leads to it: returns its name at
   * once and queues the emission into the current States map (emitting it may request further states).
   */
  private notRun(emission: TaskEmission, kind: NotRun): string {
    const name = `${emission.name}:${kind}`;
    if (this.requested.has(name)) return name;
    this.requested.add(name);
    this.pending.push({ kind, states: this.states, emission, name });
    return name;
  }

  private emitNotRun(emission: TaskEmission, kind: NotRun, name: string): void {
    const { record, endedAs } = NOT_RUN[kind];
    this.states.set(name, {
      Type: 'Pass',
      Result: { ...record },
      ResultPath: `$.tasks.${emission.task.key}`,
      ...this.end(this.exitFor(emission, endedAs)),
    });
  }

  /** Run states are emitted on first use: a task whose trigger rule can never fire has none (ASL rejects them). */
  private runEntry(emission: TaskEmission): string {
    const entry = runEntryName(emission.task, emission.name);
    if (emission.runRequested) return entry;
    emission.runRequested = true;
    this.pending.push({ kind: 'run', states: this.states, emission });
    return entry;
  }

  private emitRun(emission: TaskEmission): void {
    const { task, name } = emission;
    const caught = `${name}${STATE_SUFFIX.failed}`;
    const selfSkipped = `${name}${STATE_SUFFIX.selfSkipped}`;
    this.running = emission;
    const first = emitRunStates(
      {
        ir: this.ir,
        task,
        name,
        recordPath: this.runningRecordPath,
        resolve: this.runningResolve,
        keyOf: this.keyOf,
        downstream: this.downstream.get(task.id)!,
        add: this.addState,
        end: this.endAt,
      },
      {
        success: outletEventsState(
          this.ir.dagId,
          task,
          name,
          this.exitFor(emission, 'success'),
          this.addState,
          this.endAt,
        ),
        caught,
        failed: this.runningFailed,
        skipped: this.runningSkipped,
        afterSkipped: this.runningAfterSkipped,
        afterSomeSucceeded: this.runningAfterSomeSucceeded,
        selfSkipped,
      },
    );
    // The task's doc is the Comment of its first state: the Step Functions console shows it with the state.
    const firstState = this.states.get(first);
    if (task.doc !== undefined && firstState !== undefined)
      this.states.set(first, { ...firstState, Comment: task.doc });
    if (canSkipItself(task)) {
      // The task's code threw SkipError: its record keeps the caught error (`Cause` is the reason).
      this.states.set(selfSkipped, {
        Type: 'Pass',
        Parameters: { state: 'skipped', output: null, 'skip.$': `$.tasks.${task.key}` },
        ResultPath: `$.tasks.${task.key}`,
        ...this.end(this.exitFor(emission, 'skipped')),
      });
    }
    if (this.canFail(task)) {
      this.states.set(caught, {
        Type: 'Pass',
        Parameters: { state: 'failed', output: null, 'error.$': `$.tasks.${task.key}` },
        ResultPath: `$.tasks.${task.key}`,
        ...this.end(this.exitFor(emission, 'failed')),
      });
    }
  }

  /**
   * Where a task goes after ending in `state` (a mapped task: its items' states): its signal first, then the
   * next step.
   */
  private exitFor(emission: TaskEmission, state: FinalState | readonly FinalState[]): string {
    if (emission.recorded !== undefined) return emission.recorded;
    if (emission.signal !== undefined) return emission.signal;
    const { next } = emission;
    if (next.kind === 'uniform') return next.target;
    const states = typeof state === 'string' ? [state] : state;
    const { task } = next.next;
    if (task.teardown !== undefined) {
      // This task is the teardown's only upstream task: a setup decides it, any other task lets it run.
      return this.target(next.next, decideTeardown(task.teardown.setups.length > 0 ? states : []));
    }
    return this.target(next.next, decideTriggerRule(task.triggerRule, states));
  }

  /** The state a task enters once its trigger rule is decided. */
  private target(emission: TaskEmission, decision: Decision | 'skipped_sc'): string {
    return decision === 'run' ? this.runEntry(emission) : this.notRun(emission, decision);
  }

  // Shared by every task's run states (task-states.ts); they emit into the States map current at the time.
  private readonly keyOf = (id: string): string => this.tasks.get(id)!.key;
  private readonly addState = (name: string, state: AslState): void => {
    this.states.set(name, state);
  };
  private readonly endAt = (target: string): Record<string, unknown> => this.end(target);
  /**
   * The task whose run states are being emitted, and the functions its context and exits lend task-states.ts,
   * made once and answering for it: emitRunStates calls them before it returns, and closures made per task
   * cost a defineProperty call each under tsx's keepNames (see TaskEmission).
   */
  private running!: TaskEmission;
  private readonly runningRecordPath = (id: string): string => this.recordPath(this.running.task.id, id);
  private readonly runningResolve = (ref: TemplateRef): string => this.resolve(this.running.task.id, ref);
  private readonly runningFailed = (): string => this.exitFor(this.running, 'failed');
  private readonly runningSkipped = (): string => this.notRun(this.running, 'skipped');
  private readonly runningAfterSkipped = (): string => this.exitFor(this.running, 'skipped');
  private readonly runningAfterSomeSucceeded = (): string => this.exitFor(this.running, SOME_SUCCEEDED);

  private emitStep(step: Step, next: Entry, previous: Step | undefined): Entry {
    if (step.kind === 'parallel') return { kind: 'uniform', target: this.emitParallel(step.branches, uniform(next)) };
    return this.emitTask(this.tasks.get(step.id)!, next, previous);
  }

  private emitParallel(branches: Block[], next: string): string {
    const outer = this.states;
    const compiled = branches.map((branch) => {
      const states = new Map<string, AslState>();
      this.states = states;
      const start = this.emitBlock(branch, END);
      return { StartAt: start, States: orderStates(start, states) };
    });
    this.states = outer;
    // Named after the first state of its first branch; a nested Parallel's own prefix and number left out, so the
    // console shows `parallel:load~2`, not `parallel:parallel:parallel:…` cut at 76 characters.
    const first = compiled[0]!.StartAt.replace(/^(parallel:)+/, '').replace(/~\d+$/, '');
    const name = this.uniqueName(`parallel:${first}`);
    const merged = mergedTaskRecords(compiled.length);
    this.states.set(name, {
      Type: 'Parallel',
      Branches: compiled,
      // Every branch starts from the same payload and adds its own tasks' records; merge them back.
      ResultSelector: { 'ctx.$': '$[0].ctx', 'tasks.$': merged, gates: {} },
      ResultPath: '$',
      ...this.end(next),
    });
    return name;
  }

  private emitTask(task: TaskIR, next: Entry, previous: Step | undefined): Entry {
    const name = this.names.get(task.id)!;
    const signal = this.signaled.has(task.id) ? `${name}${STATE_SUFFIX.signal}` : undefined;
    // No worker writes this task's record: the state machine does, as the task ends, before its signal.
    let recorded: string | undefined;
    if (!runByWorker(task)) {
      const after = signal ?? uniform(next);
      const states = taskInstanceWriteStates(this.ir.dagId, task, name, after === END ? undefined : after);
      for (const [stateName, state] of states) this.states.set(stateName, state);
      recorded = states[0]![0];
    }
    const emission: TaskEmission = { task, name, next, signal, recorded, runRequested: false };
    if (signal !== undefined) {
      this.states.set(signal, {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: {
          QueueUrl: placeholder.controlQueueUrl,
          MessageBody: {
            kind: 'signal',
            dagId: this.ir.dagId,
            'executionArn.$': this.scope?.runExecutionPath ?? '$$.Execution.Id',
            taskId: task.id,
            'record.$': `$.tasks.${task.key}`,
          },
        },
        ResultPath: null,
        // A lost signal would leave a gate waiting: retry hard, and fail the run rather than hang.
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 6, BackoffRate: 2 }],
        ...this.end(uniform(next)),
      });
    }

    // The previous step is this task's only upstream and ended in a known state: route by that state directly.
    const single = task.upstream.length === 1 ? this.tasks.get(task.upstream[0]!)! : undefined;
    if (
      single !== undefined &&
      previous?.kind === 'task' &&
      previous.id === single.id &&
      (single.kind !== 'code' || single.role === 'task') &&
      !isLatestOnly(single) &&
      !this.signaled.has(single.id) &&
      runByWorker(single) &&
      !this.gated.has(task.id) &&
      !this.shortCircuited.has(task.id)
    ) {
      return { kind: 'byState', next: emission };
    }

    const choices = this.decisionChoices(emission);
    let entry: string;
    if (choices.rules.length > 0) {
      const decide = `${name}${STATE_SUFFIX.decide}`;
      this.states.set(decide, { Type: 'Choice', Choices: choices.rules, Default: choices.fallback });
      entry = decide;
    } else {
      entry = choices.fallback;
    }
    const waitFor = this.gated.get(task.id);
    if (waitFor !== undefined) {
      const gate = `${name}${STATE_SUFFIX.gate}`;
      // Opened early only when it waits for every upstream task: the trigger rule then reads them all from it.
      const openWhen = waitFor.length === task.upstream.length ? this.plan.openEarly.get(task.id) : undefined;
      this.states.set(gate, {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: {
          QueueUrl: placeholder.controlQueueUrl,
          MessageBody: {
            kind: 'gate',
            dagId: this.ir.dagId,
            'executionArn.$': this.scope?.runExecutionPath ?? '$$.Execution.Id',
            taskId: task.id,
            waitFor,
            // The payload key of each task waited for: whoever opens the gate answers with records under them.
            keys: Object.fromEntries(waitFor.map((id) => [id, this.tasks.get(id)!.key])),
            // Open as soon as one of them ends in one of these states (tasks not ended yet: state `none`).
            ...(openWhen !== undefined ? { openWhen } : {}),
            'token.$': '$$.Task.Token',
          },
        },
        // The gate opens with the records of the tasks it waited for, keyed by their payload keys.
        ResultPath: `$.gates.${task.key}`,
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 6, BackoffRate: 2 }],
        Next: entry,
      });
      entry = gate;
    }
    return { kind: 'uniform', target: entry };
  }

  /** The Choice rules deciding whether a task runs: inherited skips first, then its trigger rule. */
  private decisionChoices(emission: TaskEmission): { rules: ChoiceRuleWithNext[]; fallback: string } {
    // Direct calls rather than small closures over the task: this runs for every task (see TaskEmission).
    const { task } = emission;
    const rules: ChoiceRuleWithNext[] = [];
    for (const id of task.upstream) {
      const up = this.tasks.get(id)!;
      const record = this.recordPath(task.id, id);
      if (this.shortCircuited.has(id)) {
        rules.push({ Variable: `${record}.sc`, IsPresent: true, Next: this.target(emission, 'skipped_sc') });
      }
      if (up.kind === 'code' && up.role === 'short_circuit') {
        rules.push({
          And: [
            { Variable: `${record}.state`, StringEquals: 'success' },
            { Variable: `${record}.output`, BooleanEquals: false },
          ],
          Next: this.target(emission, up.ignoreDownstreamTriggerRules ? 'skipped_sc' : 'skipped'),
        });
      }
      if (isLatestOnly(up)) rules.push({ ...notLatestRule(record), Next: this.target(emission, 'skipped') });
      if (up.kind === 'code' && up.role === 'branch') {
        // Not chosen, and not downstream of a chosen task either (Airflow keeps such joins).
        const rescuers = this.downstream.get(id)!.filter((other) => other !== task.id && this.reaches(other, task.id));
        rules.push({
          And: [
            { Variable: `${record}.state`, StringEquals: 'success' },
            ...[task.id, ...rescuers].map((other) => ({
              Variable: `${record}.follow.${this.tasks.get(other)!.key}`,
              BooleanEquals: false,
            })),
          ],
          Next: this.target(emission, 'skipped'),
        });
      }
    }
    const formulas =
      task.teardown !== undefined
        ? teardownFormulas(task.teardown.setups)
        : triggerRuleFormulas(task.triggerRule, task.upstream);
    const fallback = this.target(emission, formulas.at(-1)!.decision);
    for (let i = 0; i < formulas.length - 1; i++) {
      const formula = formulas[i]!;
      rules.push({ ...this.formulaRule(formula.when!, task.id), Next: this.target(emission, formula.decision) });
    }
    return { rules, fallback };
  }

  /** A trigger-rule formula as a Choice rule over the upstream records `reader` sees. */
  private formulaRule(formula: Formula, reader: string): ChoiceRule {
    if (formula.kind === 'atom') {
      const { upstream, states, quantifier } = formula.atom;
      const record = this.recordPath(reader, upstream);
      const variable = `${record}.state`;
      const tests: ChoiceRule[] = states.map((state) => ({ Variable: variable, StringEquals: state }));
      const up = this.tasks.get(upstream)!;
      if (up.kind === 'code' && up.mapping !== undefined) {
        // A mapped task whose items succeeded and skipped says `skipped` with a flag: "some item" matches it when
        // success is asked for, "every item" does not when only skipped is (see emitMapped).
        const mixed = { Variable: `${record}.${SOME_ITEMS_SUCCEEDED}`, IsPresent: true };
        if (quantifier === 'some' && states.includes('success') && !states.includes('skipped')) tests.push(mixed);
        if (quantifier === 'every' && states.includes('skipped') && !states.includes('success')) {
          return { And: [tests.length === 1 ? tests[0]! : { Or: tests }, { Not: mixed }] };
        }
      }
      return tests.length === 1 ? tests[0]! : { Or: tests };
    }
    // Flatten `Or` of `Or`s (and `And` of `And`s) so the Choice reads as the rule does.
    const terms = formula.terms.flatMap((term) => {
      const rule = this.formulaRule(term, reader);
      if (formula.kind === 'and') return 'And' in rule ? rule.And : [rule];
      return 'Or' in rule ? rule.Or : [rule];
    });
    return formula.kind === 'and' ? { And: terms } : { Or: terms };
  }

  /** Where `reader` finds `upstream`'s record: in its own branch's payload, or in the gate it waited at. */
  private recordPath(reader: string, upstream: string): string {
    const key = this.tasks.get(upstream)!.key;
    if (this.gated.get(reader)?.includes(upstream)) return `$.gates.${this.tasks.get(reader)!.key}.${key}`;
    return `$.tasks.${key}`;
  }

  private resolve(reader: string, ref: TemplateRef): string {
    if (ref.kind === 'context') return CONTEXT_PATHS[ref.name];
    if (ref.kind === 'param') return `$.ctx.params.${ref.name}`;
    const split = splitXcomReference(ref.task, (id) => this.tasks.get(reader)!.upstream.includes(id))!;
    return [`${this.recordPath(reader, split.task)}.output`, ...split.path].join('.');
  }

  private canFail(task: TaskIR): boolean {
    return task.kind !== 'empty' && task.kind !== 'wait' && !isLatestOnly(task);
  }

  private end(target: string): Pick<TaskState, 'Next' | 'End'> {
    return target === END ? { End: true } : { Next: target };
  }

  private uniqueName(base: string): string {
    const trimmed = base.length > 76 ? base.slice(0, 76) : base;
    let name = trimmed;
    for (let n = 2; this.usedNames.has(name) || this.taskNames.has(name); n++) name = `${trimmed.slice(0, 73)}~${n}`;
    this.usedNames.add(name);
    return name;
  }

  private locate(block: Block, sequence: Sequence): void {
    block.forEach((step, index) => {
      const place: Place = { sequence, step: index };
      if (step.kind === 'task') this.places.set(step.id, place);
      else for (const branch of step.branches) this.locate(branch, { parent: place, depth: sequence.depth + 1 });
    });
  }

  /**
   * True when `before` is in an earlier step of a sequence that encloses `after` (so its record is present):
   * in the innermost sequence enclosing both, the step holding `before` comes first. Walking up the parent links
   * costs the nesting depth per question and nothing to set up (a copied path per task cost depth × tasks).
   */
  private ranBefore(before: string, after: string): boolean {
    // A task of another machine (a split DAG) never ran in this one's payload.
    if (!this.places.has(before)) return false;
    let a = this.places.get(before)!;
    let b = this.places.get(after)!;
    while (a.sequence.depth > b.sequence.depth) a = a.sequence.parent!;
    while (b.sequence.depth > a.sequence.depth) b = b.sequence.parent!;
    while (a.sequence !== b.sequence) {
      a = a.sequence.parent!;
      b = b.sequence.parent!;
    }
    // The same step: the same task, or two branches of one Parallel (neither runs before the other).
    return a.step < b.step;
  }

  private markShortCircuited(id: string): void {
    for (const child of this.downstream.get(id)!) {
      if (this.shortCircuited.has(child)) continue;
      this.shortCircuited.add(child);
      this.markShortCircuited(child);
    }
  }

  private reaches(from: string, to: string): boolean {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (id === to) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...this.downstream.get(id)!);
    }
    return false;
  }
}

/** The first state a task runs: sensors start by initialising their poke count, literal maps their items. */
function runEntryName(task: TaskIR, name: string): string {
  if (task.kind === 's3_sensor' || task.kind === 'poll_sensor' || task.kind === 'external_task_sensor')
    return `${name}${STATE_SUFFIX.start}`;
  if (task.kind === 'code' && task.mapping !== undefined && !('task' in task.mapping.over))
    return `${name}${STATE_SUFFIX.items}`;
  return name;
}

function uniform(entry: Entry): string {
  if (entry.kind !== 'uniform') throw new InternalError('internal: expected a single entry state');
  return entry.target;
}

/** States in the order a reader follows them: from StartAt, breadth first along Next, Choices, Default, Catch. */
function orderStates(start: string, states: Map<string, AslState>): Record<string, AslState> {
  const ordered = emptyRecord<AslState>();
  // Placed names are tracked in a Set: `name in ordered` also finds Object.prototype's members, so a task named
  // `toString` or `constructor` lost its run state.
  const placed = new Set<string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const name = queue[head]!;
    const state = states.get(name);
    if (state === undefined || placed.has(name)) continue;
    placed.add(name);
    ordered[name] = state;
    if ('Next' in state && state.Next !== undefined) queue.push(state.Next);
    if (state.Type === 'Choice') {
      for (const choice of state.Choices) queue.push(choice.Next);
      if (state.Default !== undefined) queue.push(state.Default);
    }
    if ('Catch' in state) for (const handler of state.Catch ?? []) queue.push(handler.Next);
  }
  for (const [name, state] of states) if (!placed.has(name)) ordered[name] = state;
  return ordered;
}

/**
 * An ordinary empty object meant for many keys that no other object has (state names). V8 gives an object
 * literal a new hidden class for each key added, which for thousands of States records cost more than the rest
 * of the ordering; an object created without a prototype starts as a hash table instead, and keeps being one
 * once `Object.prototype` is put back.
 */
function emptyRecord<T>(): Record<string, T> {
  return Object.setPrototypeOf(Object.create(null), Object.prototype);
}
