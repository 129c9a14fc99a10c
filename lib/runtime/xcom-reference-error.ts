import { AirstepError } from '../errors/airstep-error.ts';

/** An offloaded XCom's reference that the store asked cannot read (another store's, or not a reference). */
export class XComReferenceError extends AirstepError {
  override readonly name = 'XComReferenceError';
  readonly uri: string;

  constructor(uri: string, message: string) {
    super(message, { code: 'UNREADABLE_XCOM_REFERENCE' });
    this.uri = uri;
  }
}
