import { AirstepError } from '../errors/airstep-error.ts';

/** A forked helper process (a local worker, a dev child) ended before it said it was ready. */
export class ChildProcessError extends AirstepError {
  override readonly name = 'ChildProcessError';

  constructor(message: string) {
    super(message, { code: 'CHILD_PROCESS_ENDED' });
  }
}
