import { InternalError } from '../errors/airstep-error.ts';
import type { AslState, ChoiceRule, ChoiceRuleWithNext, StateMachineDefinition, TaskState } from './asl-types.ts';
import type { DagIR, TaskIR } from './ir.ts';
import { placeholder } from './placeholders.ts';
import type { Block, Step, StructurePlan } from './plan-structure.ts';
import { stateNames } from './state-names.ts';
import { emitRunStates } from './task-states.ts';
import { CONTEXT_PATHS, splitXcomReference, type TemplateRef } from './templates.ts';
import {
  type Decision,
  decideTriggerRule,
  FINAL_STATES,
  type FinalState,
  type Formula,
  triggerRuleFormulas,
} from './trigger-rule-decision.ts';

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

/** How the step after a task is entered: one state, or one per final state of that task (no Choice needed). */
type Entry =
  | { readonly kind: 'uniform'; readonly target: string }
  | {
      readonly kind: 'byState';
      readonly upstream: string;
      /** Lazy, so a state is only emitted when some path leads to it (ASL rejects unreachable states). */
      readonly targets: Readonly<Record<FinalState, () => string>>;
    };

export function emitAsl(ir: DagIR, plan: StructurePlan): StateMachineDefinition {
  return new AslEmitter(ir, plan).emit();
}

class AslEmitter {
  private readonly tasks: Map<string, TaskIR>;
  private readonly names: Map<string, string>;
  private readonly downstream = new Map<string, string[]>();
  /** Position of each task in the plan: step and branch indexes from the root, to tell what ran before it. */
  private readonly positions = new Map<string, number[]>();
  /** Task id -> upstream ids its branch must wait for at a gate. */
  private readonly gated = new Map<string, string[]>();
  /** Tasks whose end some gate waits for: they send a signal when they end. */
  private readonly signaled = new Set<string>();
  /** Tasks downstream of a short-circuit that skips everything below it: they may inherit its skip. */
  private readonly shortCircuited = new Set<string>();
  private readonly usedNames = new Set<string>();
  /** States some path leads to, waiting to be emitted (see `later`). */
  private readonly pending: Array<{ states: Map<string, AslState>; run: () => void }> = [];
  private readonly requested = new Set<string>();
  private states!: Map<string, AslState>;

  constructor(
    private readonly ir: DagIR,
    private readonly plan: StructurePlan,
  ) {
    this.tasks = new Map(ir.tasks.map((task) => [task.id, task]));
    this.names = stateNames(ir.tasks.map((task) => task.id));
    for (const task of ir.tasks) this.downstream.set(task.id, []);
    for (const task of ir.tasks) for (const up of task.upstream) this.downstream.get(up)!.push(task.id);
    for (const name of this.names.values()) this.usedNames.add(name);
    this.locate(plan.root, []);
    for (const [id, cut] of plan.cutEdges) {
      const missing = cut.filter((up) => !this.ranBefore(up, id));
      if (missing.length === 0) continue;
      this.gated.set(id, missing);
      for (const up of missing) this.signaled.add(up);
    }
    for (const task of ir.tasks) {
      if (task.kind === 'code' && task.role === 'short_circuit' && task.ignoreDownstreamTriggerRules)
        this.markShortCircuited(task.id);
    }
  }

  emit(): StateMachineDefinition {
    const root = new Map<string, AslState>();
    this.states = root;
    const leaves = this.ir.tasks.filter((task) => this.downstream.get(task.id)!.length === 0);
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

  /** Emits a sequence backwards (each step needs the entry of the one after it); returns the first state. */
  private emitBlock(block: Block, exit: string): string {
    let next: Entry = { kind: 'uniform', target: exit };
    for (let i = block.length - 1; i >= 0; i--) next = this.emitStep(block[i]!, next, block[i - 1]);
    if (next.kind !== 'uniform') throw new InternalError('internal: a block cannot start with a per-state entry');
    // Emit the states that paths lead to; a queue, not recursion, so a 10,000-task chain needs no deep stack.
    for (let job = this.pending.shift(); job !== undefined; job = this.pending.shift()) {
      // A job emits into the States map it was queued for, whichever block is being drained.
      const current = this.states;
      this.states = job.states;
      job.run();
      this.states = current;
    }
    return next.target;
  }

  /**
   * A state emitted only if something leads to it. Returns its name at once and queues the emission into the
   * current States map (`build` may request further states).
   */
  private later(name: string, build: () => AslState): string {
    if (this.requested.has(name)) return name;
    this.requested.add(name);
    const states = this.states;
    this.pending.push({ states, run: () => states.set(name, build()) });
    return name;
  }

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
    const name = this.uniqueName(`parallel:${compiled[0]!.StartAt}`);
    const merged = compiled
      .map((_, i) => `$[${i}].tasks`)
      .reduce((acc, path) => `States.JsonMerge(${acc}, ${path}, false)`);
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
    const signal = this.signaled.has(task.id) ? `${name}:signal` : undefined;
    const exitFor = (state: FinalState): string =>
      signal ?? (next.kind === 'uniform' ? next.target : next.targets[state]());
    if (signal !== undefined) {
      this.states.set(signal, {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: {
          QueueUrl: placeholder.controlQueueUrl,
          MessageBody: {
            kind: 'signal',
            dagId: this.ir.dagId,
            'executionArn.$': '$$.Execution.Id',
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

    const recordPass = (suffix: string, record: Record<string, unknown>, exit: () => string): string =>
      this.later(`${name}:${suffix}`, () => ({
        Type: 'Pass',
        Result: record,
        ResultPath: `$.tasks.${task.key}`,
        ...this.end(exit()),
      }));
    const skipped = () => recordPass('skipped', { state: 'skipped', output: null }, () => exitFor('skipped'));
    const skippedByShortCircuit = () =>
      recordPass('skipped_sc', { state: 'skipped', output: null, sc: true }, () => exitFor('skipped'));
    const upstreamFailed = () =>
      recordPass('upstream_failed', { state: 'upstream_failed', output: null }, () => exitFor('upstream_failed'));

    // Run states are emitted on first use: a task whose trigger rule can never fire has none (ASL rejects
    // unreachable states).
    let runRequested = false;
    const runEntry = (): string => {
      const entry = runEntryName(task, name);
      if (runRequested) return entry;
      runRequested = true;
      const states = this.states;
      this.pending.push({
        states,
        run: () => {
          const caught = `${name}:failed`;
          const add = (stateName: string, state: AslState) => states.set(stateName, state);
          emitRunStates(
            {
              ir: this.ir,
              task,
              name,
              recordPath: (id) => this.recordPath(task.id, id),
              resolve: (ref) => this.resolve(task.id, ref),
              keyOf: (id) => this.tasks.get(id)!.key,
              downstream: this.downstream.get(task.id)!,
              add,
              end: (target) => this.end(target),
            },
            { success: exitFor('success'), caught, failed: () => exitFor('failed'), skipped },
          );
          if (this.canFail(task)) {
            add(caught, {
              Type: 'Pass',
              Parameters: { state: 'failed', output: null, 'error.$': `$.tasks.${task.key}` },
              ResultPath: `$.tasks.${task.key}`,
              ...this.end(exitFor('failed')),
            });
          }
        },
      });
      return entry;
    };

    const target = (decision: Decision | 'skipped_sc'): string =>
      decision === 'run'
        ? runEntry()
        : decision === 'skipped'
          ? skipped()
          : decision === 'skipped_sc'
            ? skippedByShortCircuit()
            : upstreamFailed();

    // The previous step is this task's only upstream and ended in a known state: route by that state directly.
    const single = task.upstream.length === 1 ? this.tasks.get(task.upstream[0]!)! : undefined;
    if (
      single !== undefined &&
      previous?.kind === 'task' &&
      previous.id === single.id &&
      (single.kind !== 'code' || single.role === 'task') &&
      !this.signaled.has(single.id) &&
      !this.gated.has(task.id) &&
      !this.shortCircuited.has(task.id)
    ) {
      const targets = Object.fromEntries(
        FINAL_STATES.map((state) => [state, () => target(decideTriggerRule(task.triggerRule, [state]))]),
      ) as Record<FinalState, () => string>;
      return { kind: 'byState', upstream: single.id, targets };
    }

    const choices = this.decisionChoices(task, target);
    let entry: string;
    if (choices.rules.length > 0) {
      const decide = `${name}:decide`;
      this.states.set(decide, { Type: 'Choice', Choices: choices.rules, Default: choices.fallback });
      entry = decide;
    } else {
      entry = choices.fallback;
    }
    const waitFor = this.gated.get(task.id);
    if (waitFor !== undefined) {
      const gate = `${name}:gate`;
      this.states.set(gate, {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: {
          QueueUrl: placeholder.controlQueueUrl,
          MessageBody: {
            kind: 'gate',
            dagId: this.ir.dagId,
            'executionArn.$': '$$.Execution.Id',
            taskId: task.id,
            waitFor,
            // The payload key of each task waited for: whoever opens the gate answers with records under them.
            keys: Object.fromEntries(waitFor.map((id) => [id, this.tasks.get(id)!.key])),
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
  private decisionChoices(
    task: TaskIR,
    target: (decision: Decision | 'skipped_sc') => string,
  ): { rules: ChoiceRuleWithNext[]; fallback: string } {
    const rules: ChoiceRuleWithNext[] = [];
    const record = (id: string) => this.recordPath(task.id, id);
    for (const id of task.upstream) {
      const up = this.tasks.get(id)!;
      if (this.shortCircuited.has(id)) {
        rules.push({ Variable: `${record(id)}.sc`, IsPresent: true, Next: target('skipped_sc') });
      }
      if (up.kind === 'code' && up.role === 'short_circuit') {
        rules.push({
          And: [
            { Variable: `${record(id)}.state`, StringEquals: 'success' },
            { Variable: `${record(id)}.output`, BooleanEquals: false },
          ],
          Next: target(up.ignoreDownstreamTriggerRules ? 'skipped_sc' : 'skipped'),
        });
      }
      if (up.kind === 'code' && up.role === 'branch') {
        // Not chosen, and not downstream of a chosen task either (Airflow keeps such joins).
        const rescuers = this.downstream.get(id)!.filter((other) => other !== task.id && this.reaches(other, task.id));
        rules.push({
          And: [
            { Variable: `${record(id)}.state`, StringEquals: 'success' },
            ...[task.id, ...rescuers].map((other) => ({
              Variable: `${record(id)}.follow.${this.tasks.get(other)!.key}`,
              BooleanEquals: false,
            })),
          ],
          Next: target('skipped'),
        });
      }
    }
    const formulas = triggerRuleFormulas(task.triggerRule, task.upstream);
    const fallback = target(formulas.at(-1)!.decision);
    for (const formula of formulas.slice(0, -1)) {
      rules.push({ ...this.formulaRule(formula.when!, record), Next: target(formula.decision) });
    }
    return { rules, fallback };
  }

  private formulaRule(formula: Formula, record: (id: string) => string): ChoiceRule {
    if (formula.kind === 'atom') {
      const { upstream, states } = formula.atom;
      const tests = states.map((state) => ({ Variable: `${record(upstream)}.state`, StringEquals: state }));
      return tests.length === 1 ? tests[0]! : { Or: tests };
    }
    // Flatten `Or` of `Or`s (and `And` of `And`s) so the Choice reads as the rule does.
    const terms = formula.terms.flatMap((term) => {
      const rule = this.formulaRule(term, record);
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
    return task.kind !== 'empty' && task.kind !== 'wait';
  }

  private end(target: string): Pick<TaskState, 'Next' | 'End'> {
    return target === END ? { End: true } : { Next: target };
  }

  private uniqueName(base: string): string {
    const trimmed = base.length > 76 ? base.slice(0, 76) : base;
    let name = trimmed;
    for (let n = 2; this.usedNames.has(name); n++) name = `${trimmed.slice(0, 73)}~${n}`;
    this.usedNames.add(name);
    return name;
  }

  private locate(block: Block, prefix: number[]): void {
    block.forEach((step, index) => {
      if (step.kind === 'task') this.positions.set(step.id, [...prefix, index]);
      else
        step.branches.forEach((branch, b) => {
          this.locate(branch, [...prefix, index, b]);
        });
    });
  }

  /** True when `before` is in an earlier step of a sequence that encloses `after` (so its record is present). */
  private ranBefore(before: string, after: string): boolean {
    const a = this.positions.get(before)!;
    const b = this.positions.get(after)!;
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i] === b[i]) continue;
      // Positions alternate step index (even depth) and branch index (odd depth).
      return i % 2 === 0 && a[i]! < b[i]!;
    }
    return false;
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
  if (task.kind === 's3_sensor' || task.kind === 'poll_sensor') return `${name}:start`;
  if (task.kind === 'code' && task.mapping !== undefined && 'items' in task.mapping.over) return `${name}:items`;
  return name;
}

function uniform(entry: Entry): string {
  if (entry.kind !== 'uniform') throw new InternalError('internal: expected a single entry state');
  return entry.target;
}

/** States in the order a reader follows them: from StartAt, breadth first along Next, Choices, Default, Catch. */
function orderStates(start: string, states: Map<string, AslState>): Record<string, AslState> {
  const ordered: Record<string, AslState> = {};
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const name = queue[head]!;
    const state = states.get(name);
    if (state === undefined || name in ordered) continue;
    ordered[name] = state;
    const targets = [
      'Next' in state ? state.Next : undefined,
      ...(state.Type === 'Choice' ? state.Choices.map((choice) => choice.Next) : []),
      state.Type === 'Choice' ? state.Default : undefined,
      ...('Catch' in state ? (state.Catch ?? []) : []).map((handler) => handler.Next),
    ];
    for (const target of targets) if (typeof target === 'string') queue.push(target);
  }
  for (const [name, state] of states) if (!(name in ordered)) ordered[name] = state;
  return ordered;
}
