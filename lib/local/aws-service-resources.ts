import { AwsSdkCalls, type AwsSdkCallsConfig } from './aws-sdk-calls.ts';
import { configuredAws } from './configured-aws.ts';
import type { TaskCall, TaskResources } from './interpreter.ts';
import { awsSdkIntegrationErrorName } from './sdk-error-names.ts';
import { StatesError } from './states-error.ts';

/**
 * Native Step Functions integrations for the local engine, done with the AWS SDK v3 against the real service
 * or the endpoint in AWS_ENDPOINT_URL (an emulator). Errors are named as Step Functions names them, so Retry and
 * Catch behave the same: `DynamoDB.ConditionalCheckFailedException` from the optimised `dynamodb:putItem`,
 * `S3.NoSuchKeyException` and `DynamoDb.ResourceNotFoundException` from `aws-sdk:` calls (sdk-error-names.ts).
 */
type Client = {
  send(command: unknown): Promise<Record<string, unknown>>;
  readonly config?: { readonly serviceId?: string };
};
interface Service {
  readonly prefix: string;
  readonly load: () => Promise<Record<string, unknown>>;
  readonly client: string;
}

const SERVICES: Record<string, Service> = {
  s3: { prefix: 'S3', load: () => import('@aws-sdk/client-s3'), client: 'S3Client' },
  dynamodb: { prefix: 'DynamoDB', load: () => import('@aws-sdk/client-dynamodb'), client: 'DynamoDBClient' },
  sqs: { prefix: 'SQS', load: () => import('@aws-sdk/client-sqs'), client: 'SQSClient' },
  sns: { prefix: 'SNS', load: () => import('@aws-sdk/client-sns'), client: 'SNSClient' },
  events: { prefix: 'EventBridge', load: () => import('@aws-sdk/client-eventbridge'), client: 'EventBridgeClient' },
  lambda: { prefix: 'Lambda', load: () => import('@aws-sdk/client-lambda'), client: 'LambdaClient' },
};

/** `arn:aws:states:::sqs:sendMessage` or `arn:aws:states:::aws-sdk:s3:listObjectsV2` -> service and action. */
function parseResource(resource: string): { service: string; action: string } | undefined {
  const match = /^arn:aws:states:::(?:aws-sdk:)?([a-z0-9]+):([A-Za-z0-9]+)$/.exec(resource);
  return match === null ? undefined : { service: match[1]!, action: match[2]! };
}

export class AwsServiceResources implements TaskResources {
  private readonly clients = new Map<string, Promise<{ client: Client; module: Record<string, unknown> }>>();

  private readonly sdk: AwsSdkCalls;

  constructor(private readonly config: AwsSdkCallsConfig = {}) {
    this.sdk = new AwsSdkCalls(config);
  }

  /** True when this environment can reach AWS or an emulator (else native steps say what to set). */
  static configured(env: NodeJS.ProcessEnv = process.env): boolean {
    return configuredAws(env) !== undefined;
  }

  /** Resources for this process's environment: an emulator when AWS_ENDPOINT_URL is set, else AWS. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): AwsServiceResources {
    return new AwsServiceResources({
      ...(env.AWS_ENDPOINT_URL !== undefined ? { endpoint: env.AWS_ENDPOINT_URL } : {}),
      region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    });
  }

  async invoke(call: TaskCall): Promise<unknown> {
    const parsed = parseResource(call.resource);
    const service = parsed === undefined ? undefined : SERVICES[parsed.service];
    // Any other service, and `.sync` jobs: `awsSdk` steps (aws-sdk-calls.ts).
    if (AwsSdkCalls.parse(call.resource) !== undefined && service === undefined) return this.sdk.invoke(call);
    if (parsed === undefined || service === undefined) {
      throw new StatesError('States.Runtime', `the local engine cannot call ${call.resource}`);
    }
    const { client, module } = await this.client(parsed.service, service);
    const name = `${parsed.action[0]!.toUpperCase()}${parsed.action.slice(1)}Command`;
    const Command = module[name] as (new (input: unknown) => unknown) | undefined;
    if (Command === undefined)
      throw new StatesError('States.Runtime', `${service.prefix} has no action ${parsed.action}`);
    try {
      const response = await client.send(new Command(toServiceInput(parsed.service, parsed.action, call.parameters)));
      return await toStatesOutput(parsed.service, response);
    } catch (error) {
      if (error instanceof StatesError) throw error;
      const err = error as { name?: string; message?: string };
      const errorName = call.resource.includes(':::aws-sdk:')
        ? awsSdkIntegrationErrorName(client.config?.serviceId ?? service.prefix, err.name ?? 'Error')
        : `${service.prefix}.${err.name ?? 'Error'}`;
      throw new StatesError(errorName, err.message ?? String(error));
    }
  }

  private client(key: string, service: Service) {
    let entry = this.clients.get(key);
    if (entry === undefined) {
      entry = service.load().then((module) => {
        const Client = module[service.client] as new (config: Record<string, unknown>) => Client;
        const endpoint = this.config.endpoint;
        const client = new Client({
          region: this.config.region ?? 'us-east-1',
          ...(endpoint !== undefined
            ? {
                endpoint,
                forcePathStyle: true,
                // Emulators accept any credentials; keep a machine's real ones out of it.
                credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
              }
            : {}),
        });
        return { client, module };
      });
      this.clients.set(key, entry);
    }
    return entry;
  }
}

/** Step Functions serializes object message bodies and event details to JSON strings for these services. */
function toServiceInput(service: string, action: string, parameters: unknown): unknown {
  const input = { ...(parameters as Record<string, unknown>) };
  const json = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  if (service === 'sqs' && action === 'sendMessage') input.MessageBody = json(input.MessageBody);
  if (service === 'sns' && action === 'publish') input.Message = json(input.Message);
  if (service === 'events' && action === 'putEvents') {
    input.Entries = (input.Entries as Array<Record<string, unknown>>).map((entry) => ({
      ...entry,
      Detail: json(entry.Detail),
    }));
  }
  if (service === 'lambda' && action === 'invoke') input.Payload = new TextEncoder().encode(json(input.Payload ?? {}));
  return input;
}

async function toStatesOutput(service: string, response: Record<string, unknown>): Promise<unknown> {
  const { $metadata: _metadata, ...rest } = response;
  const body = rest.Body as { transformToString?: () => Promise<string> } | undefined;
  if (body?.transformToString !== undefined) rest.Body = await body.transformToString();
  if (service === 'lambda' && rest.Payload instanceof Uint8Array) {
    const text = new TextDecoder().decode(rest.Payload);
    const payload = text === '' ? null : JSON.parse(text);
    if (typeof rest.FunctionError === 'string') {
      const failure = payload as { errorType?: string; errorMessage?: string } | null;
      throw new StatesError(failure?.errorType ?? 'Lambda.Unknown', failure?.errorMessage ?? text);
    }
    rest.Payload = payload;
  }
  return JSON.parse(JSON.stringify(rest, (_key, value) => (value instanceof Date ? value.toISOString() : value)));
}
