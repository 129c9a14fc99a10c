/**
 * The root of every error Airstep raises: a stable `code` to branch on (messages may be reworded, codes are
 * not) and, where another error led to it, that error as `cause`. Subclasses fix their `name` and carry the
 * context a caller needs (the field, the pool, the file). A leaf: it imports nothing, so every layer may use it.
 */
export interface AirstepErrorOptions {
  /** @default 'AIRSTEP_ERROR' */
  readonly code?: string;
  readonly cause?: unknown;
}

export class AirstepError extends Error {
  override readonly name: string = 'AirstepError';
  readonly code: string;

  constructor(message: string, options: AirstepErrorOptions = {}) {
    // No `cause` property at all when there is none, so `'cause' in error` says whether one was given.
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.code = options.code ?? 'AIRSTEP_ERROR';
  }
}

/** A broken invariant inside Airstep (never the user's input): a bug to report. */
export class InternalError extends AirstepError {
  override readonly name = 'InternalError';

  constructor(message: string) {
    super(message, { code: 'INTERNAL' });
  }
}
