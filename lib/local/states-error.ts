/**
 * An error as Step Functions names it (`States.Timeout`, `States.TaskFailed`, a worker's own name such as
 * `NonRetryableError`, or a service's `S3.NoSuchKey`), with the cause it reports.
 */
export class StatesError extends Error {
  override readonly name = 'StatesError';
  readonly error: string;
  readonly cause_: string;

  constructor(error: string, cause: string) {
    super(`${error}: ${cause}`);
    this.error = error;
    this.cause_ = cause;
  }

  /** The object a Catch hands on: `{ Error, Cause }`. */
  toOutput(): { Error: string; Cause: string } {
    return { Error: this.error, Cause: this.cause_ };
  }
}

/** Errors no Retry or Catch can handle: they fail the execution (AWS behaves the same). */
export function isUncatchable(error: string): boolean {
  return error === 'States.Runtime' || error === 'States.DataLimitExceeded';
}

export const runtimeError = (cause: string) => new StatesError('States.Runtime', cause);
