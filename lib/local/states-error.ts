import { AirstepError } from '../errors/airstep-error.ts';

/**
 * An error as Step Functions names it (`States.Timeout`, `States.TaskFailed`, a worker's own name such as
 * `NonRetryableError`, or a service's `S3.NoSuchKey`), with the cause it reports. Retry and Catch match on
 * `error` and `aliases`; `code` is Airstep's, the same for every one.
 */
export class StatesError extends AirstepError {
  override readonly name = 'StatesError';
  readonly error: string;
  readonly cause_: string;
  /** Other names a Retry or Catch may match this error by (a heartbeat timeout is also `States.HeartbeatTimeout`). */
  readonly aliases: readonly string[];

  constructor(error: string, cause: string, aliases: readonly string[] = []) {
    super(`${error}: ${cause}`, { code: 'STATES_ERROR' });
    this.error = error;
    this.cause_ = cause;
    this.aliases = aliases;
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

/**
 * A lost heartbeat: Step Functions reports it as `States.Timeout` (so the Catch output and the history say
 * States.Timeout), and a Retry or Catch can single it out with `States.HeartbeatTimeout`.
 */
export const heartbeatTimeout = (cause: string) =>
  new StatesError('States.Timeout', cause, ['States.HeartbeatTimeout']);

export const runtimeError = (cause: string) => new StatesError('States.Runtime', cause);

/** Step Functions' quota on the input and output of a state: 256 KiB of JSON as UTF-8. */
const PAYLOAD_LIMIT_BYTES = 256 * 1024;

/**
 * Fails as Step Functions does (`States.DataLimitExceeded`, which no Retry or Catch handles) when a state's
 * output is over the payload quota. A string of n UTF-16 units is at most 3n UTF-8 bytes, so small payloads
 * are let through without counting bytes.
 */
export function checkPayloadLimit(stateName: string, output: unknown): void {
  const text = JSON.stringify(output) ?? 'null';
  if (text.length * 3 <= PAYLOAD_LIMIT_BYTES) return;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > PAYLOAD_LIMIT_BYTES) {
    throw new StatesError(
      'States.DataLimitExceeded',
      `the output of state '${stateName}' is ${bytes} bytes, over the ${PAYLOAD_LIMIT_BYTES}-byte payload quota`,
    );
  }
}

/** The message of anything thrown: its `message` when it has one, else the value as text. */
export function messageOf(thrown: unknown): string {
  if (typeof thrown === 'object' && thrown !== null && 'message' in thrown) {
    if (thrown.message !== undefined && thrown.message !== null) return String(thrown.message);
  }
  return String(thrown);
}

/** The `name` of a thrown error (an AWS SDK error's name is the service's error code), when it has one. */
export function errorNameOf(thrown: unknown): string | undefined {
  return typeof thrown === 'object' && thrown !== null && 'name' in thrown && typeof thrown.name === 'string'
    ? thrown.name
    : undefined;
}
