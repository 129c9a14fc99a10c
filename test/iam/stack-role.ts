import { AsyncLocalStorage } from 'node:async_hooks';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';

/**
 * The IAM principals of the synthesized stack whose AWS calls the IAM check evaluates: each Lambda's execution
 * role (the DAG evaluator's too), the Fargate worker's task role, the role of `container` tasks, and the state
 * machines' role.
 */
export const STACK_ROLES = [
  'dagSync',
  'dagEvaluator',
  'worker',
  'trigger',
  'recorder',
  'fargateWorker',
  'containerTask',
  'stateMachine',
] as const;
export type StackRole = (typeof STACK_ROLES)[number];

// One scope for the whole worker thread: the recorder that patches the SDK is installed once per thread, while test
// files (and this module with them) are evaluated anew per file.
const SCOPE_KEY = Symbol.for('airstep.iam.role-scope');
const globals = globalThis as { [SCOPE_KEY]?: AsyncLocalStorage<RoleScope> };
globals[SCOPE_KEY] ??= new AsyncLocalStorage<RoleScope>();
const scope = globals[SCOPE_KEY];

/**
 * A test's resources that stand for the stack's where the code is not told them by an Airstep variable (dag-sync
 * learns its bucket from the S3 event): `{ bucket: 'my-test-bucket' }`.
 */
export type StandIns = Partial<Record<keyof typeof STACK_ENV, string>>;

export interface RoleScope {
  readonly role: StackRole;
  /** The stand-ins as Airstep variables (`AIRSTEP_BUCKET`: `my-test-bucket`). */
  readonly variables: Readonly<Record<string, string>>;
}

/**
 * `fn` as the code of `role` runs: every AWS SDK call it makes, directly or from anything it starts (timers,
 * task code), is recorded and checked against that role's policies in the synthesized template.
 */
export function asRole<A extends unknown[], R>(
  role: StackRole,
  fn: (...args: A) => R,
  standIns: StandIns = {},
): (...args: A) => R {
  const variables = Object.fromEntries(
    Object.entries(standIns).map(([key, value]) => [STACK_ENV[key as keyof typeof STACK_ENV], value as string]),
  );
  return (...args: A) => scope.run({ role, variables }, () => fn(...args));
}

/** The role whose code is running, or undefined for a test's own setup calls (not checked). */
export function currentRole(): RoleScope | undefined {
  return scope.getStore();
}
