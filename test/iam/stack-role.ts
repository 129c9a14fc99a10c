import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The IAM principals of the synthesized stack whose AWS calls the IAM check evaluates: each Lambda's execution
 * role, the Fargate worker's task role, the role of `container` tasks, and the state machines' role.
 */
export const STACK_ROLES = [
  'dagSync',
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
const globals = globalThis as { [SCOPE_KEY]?: AsyncLocalStorage<StackRole> };
globals[SCOPE_KEY] ??= new AsyncLocalStorage<StackRole>();
const scope = globals[SCOPE_KEY];

/**
 * `fn` as the code of `role` runs: every AWS SDK call it makes, directly or from anything it starts (timers,
 * task code), is recorded and checked against that role's policies in the synthesized template.
 */
export function asRole<A extends unknown[], R>(role: StackRole, fn: (...args: A) => R): (...args: A) => R {
  return (...args: A) => scope.run(role, () => fn(...args));
}

/** The role whose code is running, or undefined for a test's own setup calls (not checked). */
export function currentRole(): StackRole | undefined {
  return scope.getStore();
}
