import { createHash, createHmac } from 'node:crypto';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * CloudFormation DescribeStacks, reduced to what `--stack` needs: the outputs of one stack. The project ships
 * no CloudFormation client, so this is the Query API call itself (POST form, XML answer), signed with the SDK's
 * own SigV4 signer (`@smithy/signature-v4`, which every `@aws-sdk/client-*` depends on), with the credentials and
 * region the SDK resolves for every other command (environment, profile, SSO, instance role). The endpoint is
 * `AWS_ENDPOINT_URL_CLOUDFORMATION`, else `AWS_ENDPOINT_URL`, else the region's CloudFormation endpoint.
 */
export class StackLookupError extends Error {
  override readonly name = 'StackLookupError';
}

export async function describeStackOutputs(
  stackName: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Record<string, string>> {
  // Only its configuration is used: the SDK's credential chain and region resolution.
  const config = new LambdaClient({}).config;
  const region = await config.region();
  const credentials = await config.credentials();
  const endpoint = new URL(
    env.AWS_ENDPOINT_URL_CLOUDFORMATION ??
      env.AWS_ENDPOINT_URL ??
      `https://cloudformation.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`,
  );
  const body = new URLSearchParams({ Action: 'DescribeStacks', Version: '2010-05-15', StackName: stackName });
  const signer = new SignatureV4({ service: 'cloudformation', region, credentials, sha256: NodeSha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(endpoint.port !== '' ? { port: Number(endpoint.port) } : {}),
    path: endpoint.pathname,
    query: {},
    headers: {
      host: endpoint.host,
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    },
    body: body.toString(),
  });
  let response: Response;
  try {
    response = await fetch(endpoint, { method: 'POST', headers: signed.headers, body: body.toString() });
  } catch (error) {
    throw new StackLookupError(
      `--stack ${stackName}: cannot reach CloudFormation at ${endpoint.origin}: ${(error as Error).message}`,
    );
  }
  const xml = await response.text();
  if (!response.ok) {
    const message = xmlText(xml, 'Message') ?? `HTTP ${response.status}`;
    throw new StackLookupError(`--stack ${stackName}: DescribeStacks in ${region} failed: ${message}`);
  }
  const outputs: Record<string, string> = {};
  const list = /<Outputs>([\s\S]*?)<\/Outputs>/.exec(xml)?.[1] ?? '';
  for (const member of list.match(/<member>[\s\S]*?<\/member>/g) ?? []) {
    const key = xmlText(member, 'OutputKey');
    const value = xmlText(member, 'OutputValue');
    if (key !== undefined && value !== undefined) outputs[key] = value;
  }
  return outputs;
}

function xmlText(xml: string, tag: string): string | undefined {
  const text = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml)?.[1];
  return text
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&');
}

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData) =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** SHA-256 (HMAC-SHA-256 with a secret) from Node's crypto, in the shape the signer takes. */
class NodeSha256 {
  private hash;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret !== undefined ? createHmac('sha256', bytes(this.secret)) : createHash('sha256');
  }
}
