import { AirstepError } from '../errors/airstep-error.ts';

/** A construct prop Airstep cannot deploy with, refused at synth time; `prop` names it. */
export class AirstepPropsError extends AirstepError {
  override readonly name = 'AirstepPropsError';
  readonly prop: string;

  constructor(prop: string, message: string) {
    super(message, { code: 'INVALID_PROPS' });
    this.prop = prop;
  }
}
