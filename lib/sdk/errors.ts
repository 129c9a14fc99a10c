/**
 * The errors DAG authors meet. Every error Airstep raises is an `AirstepError` (lib/errors) with a stable
 * `code`; task code throws `NonRetryableError` to fail a task at once, skipping its remaining retries, and
 * `SkipError` to end it as skipped.
 */
import { AirstepError } from '../errors/airstep-error.ts';

export { AirstepError };

/** Where a problem is: the DAG file, the DAG, the task and the option, as far as they are known. */
export interface ProblemLocation {
  readonly file?: string;
  readonly dagId?: string;
  readonly taskId?: string;
  readonly field?: string;
}

/** One thing wrong with a DAG; validation collects all of them before failing. */
export interface Problem extends ProblemLocation {
  readonly message: string;
}

/** Renders `dags/x.ts › dag etl › task load › retries: must be …`. */
export function formatProblem(problem: Problem): string {
  const where = [
    problem.file,
    problem.dagId !== undefined ? `dag ${problem.dagId}` : undefined,
    problem.taskId !== undefined ? `task ${problem.taskId}` : undefined,
  ].filter((part) => part !== undefined);
  const field = problem.field !== undefined ? `${problem.field}: ` : '';
  return where.length > 0 ? `${where.join(' › ')} › ${field}${problem.message}` : `${field}${problem.message}`;
}

/** A DAG that cannot be compiled; `problems` holds every issue found, each with its location. */
export class DagValidationError extends AirstepError {
  override readonly name = 'DagValidationError';
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const lines = problems.map((problem) => `  - ${formatProblem(problem)}`).join('\n');
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} in DAG:\n${lines}`, {
      code: 'DAG_VALIDATION',
    });
    this.problems = problems;
  }
}

/** A dependency cycle; `cycle` lists the task ids in order, the first repeated at the end. */
export class CycleError extends AirstepError {
  override readonly name = 'CycleError';
  readonly cycle: readonly string[];

  constructor(cycle: readonly string[]) {
    super(`dependency cycle: ${cycle.join(' -> ')}`, { code: 'DAG_CYCLE' });
    this.cycle = cycle;
  }
}

/** A mistake in how the SDK was called (bad option, duplicate id), thrown where it happens. */
export class DagDefinitionError extends AirstepError {
  override readonly name = 'DagDefinitionError';
  readonly location: ProblemLocation;

  constructor(message: string, location: ProblemLocation = {}) {
    super(message, { code: 'DAG_DEFINITION' });
    this.location = location;
  }
}

/**
 * Thrown by task code to fail the task at once: no retry is attempted, whatever `retries` says.
 * Use it for errors that another try cannot fix (bad input data, a missing permission).
 */
export class NonRetryableError extends AirstepError {
  override readonly name = 'NonRetryableError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'NON_RETRYABLE', ...options });
  }
}

/**
 * Thrown by task code to end the task as `skipped` (Airflow's `AirflowSkipException`): no retry is attempted,
 * and downstream tasks apply their trigger rules to a skipped upstream. The message is the reason, kept with the
 * task's record. In a mapped task it skips that item only.
 */
export class SkipError extends AirstepError {
  override readonly name = 'SkipError';

  constructor(reason: string, options: { cause?: unknown } = {}) {
    super(reason, { code: 'SKIPPED', ...options });
  }
}
