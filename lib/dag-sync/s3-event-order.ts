/**
 * Order of S3 events on one key. Notifications may arrive late, twice or out of order; each carries a
 * `sequencer` (hexadecimal, of varying length) that grows with every put or delete of the key. S3 says to
 * compare two by right-padding the shorter with zeros, then comparing as text: `orderKey` does that padding to a
 * fixed width (upper case), so keys compare as plain strings — in code and in a DynamoDB condition.
 */
import { AirstepError } from '../errors/airstep-error.ts';

const SEQUENCER_WIDTH = 64;

/** An S3 event whose `sequencer` is not hexadecimal: it cannot be ordered. */
export class SequencerError extends AirstepError {
  override readonly name = 'SequencerError';
  readonly sequencer: string;

  constructor(sequencer: string) {
    super(`S3 event sequencer '${sequencer}' is not hexadecimal`, { code: 'INVALID_S3_SEQUENCER' });
    this.sequencer = sequencer;
  }
}

export function orderKey(sequencer: string): string {
  if (!/^[0-9A-Fa-f]{1,64}$/.test(sequencer)) throw new SequencerError(sequencer);
  return sequencer.toUpperCase().padEnd(SEQUENCER_WIDTH, '0');
}
