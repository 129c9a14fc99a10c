import { missingAwsSdkActions } from '../compiler/aws-sdk-integrations.ts';
import { PLACEHOLDER, placeholder } from '../compiler/placeholders.ts';
import { childMachineProblems } from './check-child-machines.ts';
import type { EvaluatedChild } from './evaluated-children.ts';
import { passedRoleProblem } from './passed-role-check.ts';

/**
 * dag-sync's check of what the evaluating process answered, before anything is deployed. That process runs DAG
 * code, so its answer is the author's word, not the compiler's: a file could name another file's DAG or put any
 * service call in its ASL (an `aws-sdk:iam:createUser` task, run with the state machines' role). Only what the
 * compiler emits for this stack passes.
 */

/** The stack's own targets of the states that hand work to Airstep (filled values, beside their placeholders). */
export interface StackTargets {
  /** The control queue's and every task queue's URL. */
  readonly queueUrls: readonly string[];
  readonly ecsClusterArn?: string;
  readonly workerTaskDefinition?: string;
  /** The IAM actions the state machines' role has for `awsSdk` steps (the construct's awsSdkPermissions). @default [] */
  readonly awsSdkActions?: readonly string[];
  /** The roles the state machines' role may pass to a service (the construct's passableRoleArns). @default [] */
  readonly passableRoleArns?: readonly string[];
}

/** A DAG's targets: the stack's, and whether it has child state machines of its own to start. */
type MachineTargets = StackTargets & { readonly children: boolean };

/** The parts of one compiled DAG the check reads. */
export interface CompiledDagClaim {
  readonly dagId: string;
  readonly ir: { readonly dagId: string };
  readonly asl?: string;
  readonly manifest?: { readonly dagId: string; readonly machines?: unknown };
  /** A split DAG's child state machines (check-child-machines.ts). */
  readonly children?: readonly EvaluatedChild[];
}

/**
 * Service integrations the compiler emits for native steps, `lambda_invoke`, S3 sensors (task-states.ts) and
 * cross-DAG steps (cross-dag-states.ts); the state machine role limits what each may reach.
 */
const NATIVE_RESOURCES = new Set(
  [
    'lambda:invoke',
    'aws-sdk:s3:copyObject',
    'aws-sdk:s3:putObject',
    'aws-sdk:s3:listObjectsV2',
    'dynamodb:getItem',
    'aws-sdk:dynamodb:query',
    'dynamodb:putItem',
    'dynamodb:updateItem',
    'sqs:sendMessage',
    'sns:publish',
    'events:putEvents',
  ].map((call) => `arn:aws:states:::${call}`),
);
const WAIT_FOR_WORKER = 'arn:aws:states:::sqs:sendMessage.waitForTaskToken';
const RUN_TASK = ['arn:aws:states:::ecs:runTask', 'arn:aws:states:::ecs:runTask.waitForTaskToken'];
/** A split DAG's parent starts its own children (parent-child-machines.ts), named by placeholder only. */
const START_CHILD = 'arn:aws:states:::states:startExecution.sync:2';

/**
 * Every problem with the DAGs one file's evaluation claims to have compiled, as `dag <id> › …` lines (the caller
 * puts the file in front): ids that disagree or repeat, ASL that is not JSON, and Task states whose `Resource`
 * (or queue, cluster, task definition) is not one the compiler emits for this stack. Parallel branches and Map
 * item processors are walked too.
 */
export function checkCompiledDags(dags: readonly CompiledDagClaim[], stack: StackTargets): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const dag of dags) {
    const where = `dag ${dag.dagId}`;
    if (seen.has(dag.dagId)) problems.push(`${where} › id: defined twice in the file`);
    seen.add(dag.dagId);
    if (dag.ir.dagId !== dag.dagId) problems.push(`${where} › id: the compiled DAG says '${dag.ir.dagId}'`);
    if (dag.manifest !== undefined && dag.manifest.dagId !== dag.dagId) {
      problems.push(`${where} › id: the manifest says '${dag.manifest.dagId}'`);
    }
    if (dag.asl === undefined) continue;
    let definition: unknown;
    try {
      definition = JSON.parse(dag.asl);
    } catch {
      problems.push(`${where} › definition: not JSON`);
      continue;
    }
    // Only a DAG that says it is split into a parent and children may start them.
    const split = { ...stack, children: dag.manifest?.machines !== undefined };
    problems.push(...statesProblems(definition, split).map((problem) => `${where} › ${problem}`));
    const child = { ...stack, children: false };
    problems.push(
      ...childMachineProblems(dag.asl, dag.children, split.children, (inner) => statesProblems(inner, child)).map(
        (problem) => `${where} › ${problem}`,
      ),
    );
  }
  return problems;
}

function statesProblems(machine: unknown, stack: MachineTargets): string[] {
  const states = isObject(machine) ? machine.States : undefined;
  if (!isObject(states)) return ['definition: has no States'];
  const problems: string[] = [];
  for (const [name, state] of Object.entries(states)) {
    const at = `state ${JSON.stringify(name)}`;
    if (!isObject(state)) {
      problems.push(`${at}: not an object`);
      continue;
    }
    if (state.Type === 'Task') {
      const problem = taskProblem(state, stack);
      if (problem !== undefined) problems.push(`${at} › ${problem}`);
    } else if (state.Type === 'Parallel') {
      const branches = Array.isArray(state.Branches) ? state.Branches : [];
      for (const branch of branches) problems.push(...statesProblems(branch, stack));
    } else if (state.Type === 'Map') {
      // `Iterator` is the older name of `ItemProcessor`; Step Functions still runs it.
      for (const inner of [state.ItemProcessor, state.Iterator]) {
        if (inner !== undefined) problems.push(...statesProblems(inner, stack));
      }
    }
  }
  return problems;
}

function taskProblem(state: Record<string, unknown>, stack: MachineTargets): string | undefined {
  const resource = state.Resource;
  if (typeof resource !== 'string') return 'Resource: missing';
  const parameters = isObject(state.Parameters) ? state.Parameters : {};
  if (NATIVE_RESOURCES.has(resource)) return undefined;
  if (resource === WAIT_FOR_WORKER) {
    const queue = parameters.QueueUrl;
    return isStackQueue(queue, stack)
      ? undefined
      : `Resource ${resource}: QueueUrl ${describe(queue)} is not one of this stack's task or control queues`;
  }
  if (resource === START_CHILD && stack.children && isChildMachine(parameters.StateMachineArn)) return undefined;
  if (RUN_TASK.includes(resource)) {
    const cluster = parameters.Cluster;
    if (
      !(cluster === placeholder.ecsClusterArn || (stack.ecsClusterArn !== undefined && cluster === stack.ecsClusterArn))
    ) {
      return `Resource ${resource}: Cluster ${describe(cluster)} is not this stack's cluster`;
    }
    const family = parameters.TaskDefinition;
    return isStackTaskDefinition(family, stack)
      ? undefined
      : `Resource ${resource}: TaskDefinition ${describe(family)} is not the worker's or a container task's`;
  }
  const needs = missingAwsSdkActions(resource, stack.awsSdkActions ?? []);
  if (needs !== undefined) {
    // iam:PassRole is granted by passableRoleArns, and checked role by role (passed-role-check.ts).
    const missing = needs.filter((action) => action !== 'iam:PassRole');
    const actions =
      missing.length === 0
        ? undefined
        : `Resource ${resource}: needs ${missing.join(', ')}, which this stack's state machines may not call (list ${missing.length === 1 ? 'it' : 'them'} in the Airstep construct's awsSdkPermissions)`;
    const roles = passedRoleProblem(resource, parameters, stack.passableRoleArns ?? []);
    return actions !== undefined && roles !== undefined ? `${actions}; ${roles}` : (actions ?? roles);
  }
  return `Resource ${resource}: not a service call Airstep compiles (only its workers' queues and tasks, and its native steps)`;
}

function isStackQueue(queue: unknown, stack: StackTargets): boolean {
  if (typeof queue !== 'string') return false;
  if (queue === placeholder.controlQueueUrl || stack.queueUrls.includes(queue)) return true;
  return /^\$\{[A-Za-z0-9_]+\}$/.test(queue) && queue.startsWith(`\${${PLACEHOLDER.taskQueueUrlPrefix}`);
}

function isChildMachine(arn: unknown): boolean {
  return typeof arn === 'string' && new RegExp(`^\\$\\{${PLACEHOLDER.childMachineArnPrefix}[0-9]+\\}$`).test(arn);
}

function isStackTaskDefinition(family: unknown, stack: StackTargets): boolean {
  if (typeof family !== 'string') return false;
  if (family === placeholder.workerTaskDefinition || family === stack.workerTaskDefinition) return true;
  return /^\$\{[A-Za-z0-9_]+\}$/.test(family) && family.startsWith(`\${${PLACEHOLDER.containerTaskDefinitionPrefix}`);
}

const describe = (value: unknown) => (typeof value === 'string' ? `'${value}'` : 'not a fixed value');

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
