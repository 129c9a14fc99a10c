import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { AirstepError } from '../errors/airstep-error.ts';

/** `--stack` named a stack whose outputs could not be read; `cause` is the SDK's error. */
export class StackLookupError extends AirstepError {
  override readonly name = 'StackLookupError';
  readonly stackName: string;

  constructor(stackName: string, message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'STACK_LOOKUP_FAILED', ...options });
    this.stackName = stackName;
  }
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
    throw new StackLookupError(
      stackName,
      `--stack ${stackName}: DescribeStacks in ${region} failed: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    client.destroy();
  }
}
