import type { StateMachineDefinition } from '../compiler/asl-types.ts';
import type { CompiledDag } from '../compiler/compile-dag.ts';
import type { DagManifest } from '../compiler/manifest.ts';
import { childArnPlaceholder } from '../compiler/parent-child-machines.ts';
import { PLACEHOLDER } from '../compiler/placeholders.ts';
import type { ExecutionOptions, ExecutionResult, TaskCall, TaskResources } from './interpreter.ts';
import { StatesError } from './states-error.ts';

/**
 * The child state machines of a DAG split into a parent and children, run in-process as Step Functions runs them
 * from the parent's `states:startExecution.sync:2`: a child execution of the same engine (same workers, tokens,
 * gates, clock and event stream, so task records, logs and the grid are those of one machine), answered with
 * DescribeExecution's fields and the output as JSON; a child that does not succeed fails the parent's step with
 * `States.TaskFailed` and that answer as the cause, as AWS does. Other resources go to `inner`.
 */
export const START_EXECUTION_SYNC_2 = 'arn:aws:states:::states:startExecution.sync:2';

export interface LocalChildMachine {
  readonly arn: string;
  readonly name: string;
  readonly definition: StateMachineDefinition;
}

/** The local ARN of a DAG's state machine (the parent's name, or the parent's with a child's `-part-01` added). */
export function localStateMachineArn(machineName: string): string {
  return `arn:aws:states:local:000000000000:stateMachine:${machineName}`;
}

/** The state machine name of a DAG (`airstep-<dag>`) or of one of its children (`airstep-<dag>-part-01`). */
export function localMachineName(dagId: string, childName?: string): string {
  return `airstep-${dagId}${childName !== undefined ? `-${childName}` : ''}`;
}

/** Child number -> local ARN, for the parent's `${ChildMachineArn_<n>}` placeholders. */
export function localChildMachineArns(manifest: Pick<DagManifest, 'dagId' | 'machines'>): Record<string, string> {
  return Object.fromEntries(
    (manifest.machines?.children ?? []).map((child) => [
      childArnPlaceholder(child.name).slice(PLACEHOLDER.childMachineArnPrefix.length),
      localStateMachineArn(localMachineName(manifest.dagId, child.name)),
    ]),
  );
}

/**
 * `resources`, or (a split DAG) `resources` with its children run in the same engine by `run`; `parse` makes a
 * child's deployed text a definition, placeholders filled as the parent's are.
 */
export function withChildMachines(
  compiled: Pick<CompiledDag, 'children' | 'ir'>,
  resources: TaskResources,
  parse: (asl: string) => StateMachineDefinition,
  run: ChildRunner,
  now: () => number,
): TaskResources {
  if (compiled.children === undefined || compiled.children.length === 0) return resources;
  const children = compiled.children.map((child) => {
    const arn = localStateMachineArn(localMachineName(compiled.ir.dagId, child.name));
    return { arn, name: child.name, definition: parse(child.asl!) };
  });
  const wrapped: TaskResources = new ChildMachineResources(
    resources,
    children,
    (options) => run({ ...options, resources: wrapped }),
    now,
  );
  return wrapped;
}

export type ChildRunner = (
  options: Pick<ExecutionOptions, 'definition' | 'input' | 'name' | 'stateMachineName' | 'signal' | 'resources'>,
) => Promise<ExecutionResult>;

export class ChildMachineResources implements TaskResources {
  private readonly byArn: Map<string, LocalChildMachine>;
  private started = 0;

  constructor(
    private readonly inner: TaskResources,
    children: readonly LocalChildMachine[],
    /** Runs a child execution with the parent's engine (runExecution with its shared options). */
    private readonly run: (
      options: Pick<ExecutionOptions, 'definition' | 'input' | 'name' | 'stateMachineName' | 'signal'>,
    ) => Promise<ExecutionResult>,
    private readonly now: () => number,
  ) {
    this.byArn = new Map(children.map((child) => [child.arn, child]));
  }

  async invoke(call: TaskCall): Promise<unknown> {
    const parameters = call.parameters as { StateMachineArn?: unknown; Input?: unknown } | undefined;
    const child =
      call.resource === START_EXECUTION_SYNC_2 && typeof parameters?.StateMachineArn === 'string'
        ? this.byArn.get(parameters.StateMachineArn)
        : undefined;
    if (child === undefined) return this.inner.invoke(call);
    const startDate = new Date(this.now()).toISOString();
    const result = await this.run({
      definition: child.definition,
      input: parameters!.Input,
      // Unique per start, as Step Functions names an execution started without a name.
      name: `${call.executionArn.split(':').at(-1)}-${child.name}-${++this.started}`,
      stateMachineName: child.arn.split(':').at(-1)!,
      signal: call.signal,
    });
    const described = {
      ExecutionArn: result.executionArn,
      StateMachineArn: child.arn,
      Name: result.executionArn.split(':').at(-1),
      Status: result.status,
      StartDate: startDate,
      StopDate: new Date(this.now()).toISOString(),
      Input: parameters!.Input,
      ...(result.output !== undefined ? { Output: result.output } : {}),
      ...(result.error !== undefined ? { Error: result.error } : {}),
      ...(result.cause !== undefined ? { Cause: result.cause } : {}),
    };
    if (result.status === 'SUCCEEDED') return described;
    throw new StatesError('States.TaskFailed', JSON.stringify(described));
  }
}
