import type { AwsCredentials, TaskAws } from '../sdk/context.ts';

/**
 * `ctx.aws` of one try: clients with the assumed role's credentials, or the default credential chain without
 * them, so task code is the same on the Lambda worker, on Fargate and in the local engine. With
 * `AWS_ENDPOINT_URL` set (an emulator), clients go there, path-style (emulators serve no bucket subdomains).
 */
export function taskAws(assumed?: { readonly roleArn: string; readonly credentials: AwsCredentials }): TaskAws {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  return {
    ...(assumed !== undefined ? { roleArn: assumed.roleArn, credentials: assumed.credentials } : {}),
    client: (ClientClass, config = {}) =>
      new ClientClass({
        ...(endpoint !== undefined && endpoint !== '' ? { endpoint, forcePathStyle: true } : {}),
        ...(assumed !== undefined ? { credentials: assumed.credentials } : {}),
        ...config,
      }),
  };
}
