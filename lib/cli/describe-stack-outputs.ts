import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

export class StackLookupError extends Error {
  override readonly name = 'StackLookupError';
}

/**
 * The outputs of one deployed CloudFormation stack (what `--stack` reads), with the credentials, region and
 * endpoint the SDK resolves for every other command (`AWS_ENDPOINT_URL_CLOUDFORMATION` or `AWS_ENDPOINT_URL` for
 * an emulator).
 */
export async function describeStackOutputs(stackName: string): Promise<Record<string, string>> {
  const client = new CloudFormationClient({});
  try {
    const { Stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs: Record<string, string> = {};
    for (const output of Stacks[0]?.Outputs ?? []) {
      if (output.OutputKey !== undefined && output.OutputValue !== undefined) {
        outputs[output.OutputKey] = output.OutputValue;
      }
    }
    return outputs;
  } catch (error) {
    const region = await client.config.region().catch(() => 'an unknown region');
    throw new StackLookupError(`--stack ${stackName}: DescribeStacks in ${region} failed: ${(error as Error).message}`);
  } finally {
    client.destroy();
  }
}
