import { createHash } from 'node:crypto';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { AirstepError } from '../errors/airstep-error.ts';
import type { AwsCredentials } from '../sdk/context.ts';

/**
 * How long an assumed role's credentials last: an hour is the most every role allows without raising its
 * MaxSessionDuration (asking more fails AssumeRole), and covers any Lambda try (15 minutes at most).
 */
export const RUN_AS_SESSION_SECONDS = 3600;

/**
 * The STS session name of a try under `runAs`: `<dag>.<task>.<run>`, so CloudTrail in the role's account shows
 * which run and task acted. Characters STS refuses become `-`; a name over 64 characters keeps its start and ends
 * with a hash of the whole, so two tries of different runs never share a name.
 */
export function runAsSessionName(dagId: string, taskId: string, runId: string): string {
  const name = `${dagId}.${taskId}.${runId}`.replace(/[^\w+=,.@-]/g, '-');
  if (name.length <= 64) return name;
  const hash = createHash('sha256').update(`${dagId}\n${taskId}\n${runId}`).digest('hex').slice(0, 12);
  return `${name.slice(0, 64 - hash.length - 1)}-${hash}`;
}

/** Assumes `roleArn` for one try (STS AssumeRole) and gives its temporary credentials. */
export async function assumeRunAs(
  sts: STSClient,
  roleArn: string,
  session: { readonly dagId: string; readonly taskId: string; readonly runId: string },
): Promise<AwsCredentials> {
  const name = runAsSessionName(session.dagId, session.taskId, session.runId);
  const { Credentials: credentials } = await sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: name, DurationSeconds: RUN_AS_SESSION_SECONDS }),
  );
  if (credentials?.AccessKeyId === undefined || credentials.SecretAccessKey === undefined) {
    throw new RunAsError(roleArn, 'STS AssumeRole returned no credentials');
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    ...(credentials.SessionToken !== undefined ? { sessionToken: credentials.SessionToken } : {}),
    ...(credentials.Expiration !== undefined ? { expiration: credentials.Expiration } : {}),
  };
}

/** A try's `runAs` role could not be assumed (or no STS client was given); the try fails with this. */
export class RunAsError extends AirstepError {
  override readonly name = 'RunAsError';
  constructor(
    readonly roleArn: string,
    reason: string,
  ) {
    super(`cannot run as ${roleArn}: ${reason}`, { code: 'RUN_AS_FAILED' });
  }
}
