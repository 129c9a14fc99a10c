import { type Duration, Token } from 'aws-cdk-lib';
import { DEFAULT_ASSET_EVENT_RETENTION_DAYS } from '../compiler/asset-event-retention.ts';
import { AirstepPropsError } from './airstep-props-error.ts';

/**
 * The construct's `assetEventRetention` as the trigger reads it: whole days, at least one (DynamoDB's TTL works
 * in days, not to the second). A token (a value known only at deploy) is refused: the trigger needs a number.
 */
export function assetRetentionDays(retention: Duration | undefined): number {
  if (retention === undefined) return DEFAULT_ASSET_EVENT_RETENTION_DAYS;
  const problem = (why: string) =>
    new AirstepPropsError('assetEventRetention', `assetEventRetention ${why} (for example Duration.days(90))`);
  if (retention.isUnresolved() || Token.isUnresolved(retention.toString()))
    throw problem('must be a number of days known at synth');
  const seconds = retention.toSeconds();
  if (seconds % 86_400 !== 0 || seconds < 86_400)
    throw problem(`must be whole days, at least 1: got ${retention.toHumanString()}`);
  return seconds / 86_400;
}
