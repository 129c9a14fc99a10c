/**
 * The Step Functions console page of an execution, from its ARN alone: region and partition are the ARN's
 * (`arn:<partition>:states:<region>:<account>:execution:<machine>:<name>`), so the link is right for a stack in
 * any region, in China (`aws-cn`) and GovCloud (`aws-us-gov`). An ARN from an emulator gives the AWS form too
 * (harmless: the page the run would have in an account). Something that is not an execution ARN gives undefined.
 */
export function executionConsoleUrl(executionArn: string): string | undefined {
  const match = /^arn:(aws|aws-cn|aws-us-gov):states:([a-z0-9-]+):\d{12}:(?:execution|express):[^:]+:[^:]+$/.exec(
    executionArn,
  );
  if (match === null) return undefined;
  const [, partition, region] = match;
  const host = CONSOLE_HOSTS[partition as keyof typeof CONSOLE_HOSTS](region!);
  return `${host}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** The console's host in each partition (China and GovCloud have one host; `region=` picks the region). */
const CONSOLE_HOSTS = {
  aws: (region: string) => `https://${region}.console.aws.amazon.com`,
  'aws-cn': () => 'https://console.amazonaws.cn',
  'aws-us-gov': () => 'https://console.amazonaws-us-gov.com',
} as const;
