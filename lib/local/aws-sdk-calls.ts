import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { SYNC_INTEGRATIONS } from '../compiler/aws-sdk-integrations.ts';
import { toSdkNames, toStatesOutput } from '../sdk/states-member-names.ts';
import type { TaskCall } from './interpreter.ts';
import { awsSdkIntegrationErrorName, optimisedIntegrationErrorName } from './sdk-error-names.ts';
import { StatesError } from './states-error.ts';
import { SYNC_JOB_POLLS, type SyncJobPoll } from './sync-job-polls.ts';

/**
 * `awsSdk` steps in the local engine: `arn:aws:states:::aws-sdk:<service>:<action>` and the optimised `.sync`
 * integrations, called through whichever `@aws-sdk/client-*` package is installed for the service (found by name:
 * `emrserverless` is `@aws-sdk/client-emr-serverless`), against AWS or the endpoint in AWS_ENDPOINT_URL. Members
 * are renamed between Step Functions' PascalCase and the SDK's names with the operation's schema; errors are
 * named as Step Functions names them (sdk-error-names.ts).
 */
type Json = Record<string, unknown>;
type Client = {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<Json>;
  readonly config?: { readonly serviceId?: string };
};
/** Which kind of Task state made the call: it decides how Step Functions names the call's errors. */
type Integration = 'aws-sdk' | 'optimised';
type CommandClass = new (input: unknown) => { schema?: unknown[] };

export interface AwsSdkCallsConfig {
  readonly endpoint?: string;
  readonly region?: string;
  /** Time between two describes of a `.sync` job. @default 5000 (AIRSTEP_SYNC_POLL_MS) */
  readonly syncPollMs?: number;
  /** Folders whose `node_modules` are searched for client packages. @default [process.cwd()] and Airstep's own */
  readonly searchFrom?: readonly string[];
}

/** The client packages known to be named otherwise than by dropping hyphens (none today; kept for the message). */
const PACKAGE_HINT: Readonly<Record<string, string>> = {
  emrserverless: 'emr-serverless',
  cloudwatchlogs: 'cloudwatch-logs',
  secretsmanager: 'secrets-manager',
};

export class AwsSdkCalls {
  private readonly modules = new Map<string, { client: Client; module: Json }>();
  private packages: Map<string, { name: string; from: string }> | undefined;

  constructor(private readonly config: AwsSdkCallsConfig = {}) {}

  /** The aws-sdk service and action a resource calls, and its `.sync` poll rule; undefined when it is not one. */
  static parse(resource: string): { service: string; action: string; sync?: SyncJobPoll } | undefined {
    const rest = resource.startsWith('arn:aws:states:::') ? resource.slice('arn:aws:states:::'.length) : undefined;
    if (rest === undefined) return undefined;
    const sdk = /^aws-sdk:([a-z0-9]+):([a-z][A-Za-z0-9]*)$/.exec(rest);
    if (sdk !== null) return { service: sdk[1]!, action: sdk[2]! };
    const entry = Object.entries(SYNC_INTEGRATIONS).find(([, integration]) => integration.resource === rest);
    if (entry === undefined) return undefined;
    const [service, action] = entry[0].split(':') as [string, string];
    const sync = SYNC_JOB_POLLS[entry[0]];
    return sync === undefined ? undefined : { service, action, sync };
  }

  async invoke(call: TaskCall): Promise<unknown> {
    const parsed = AwsSdkCalls.parse(call.resource);
    if (parsed === undefined) throw new StatesError('States.Runtime', `the local engine cannot call ${call.resource}`);
    const parameters = (call.parameters ?? {}) as Json;
    const integration: Integration = parsed.sync === undefined ? 'aws-sdk' : 'optimised';
    const started = await this.send(parsed.service, parsed.action, parameters, integration, call.signal);
    if (parsed.sync === undefined) return started;
    return this.follow(parsed.service, parsed.sync, parameters, started as Json, call.signal);
  }

  /** Describes the job until its status is final; stops it when the task is stopped first. */
  private async follow(service: string, poll: SyncJobPoll, input: Json, started: Json, signal: AbortSignal) {
    const pollMs = this.config.syncPollMs ?? (Number(process.env.AIRSTEP_SYNC_POLL_MS) || 5000);
    try {
      for (;;) {
        const described = (await this.send(
          service,
          poll.describe.command,
          poll.describe.input(input, started),
          'optimised',
          signal,
        )) as Json;
        const status = poll.status(described);
        const result = poll.result?.(described) ?? described;
        if (
          poll.failed.includes(String(status)) ||
          (poll.succeeded.includes(String(status)) && poll.failedDespite?.(described))
        ) {
          throw new StatesError('States.TaskFailed', JSON.stringify(result));
        }
        if (poll.succeeded.includes(String(status))) return result;
        await sleep(pollMs, signal);
      }
    } catch (error) {
      if (signal.aborted && poll.stop !== undefined) {
        // As Step Functions does for a task that times out or whose run is stopped: stop the job it started.
        await this.send(service, poll.stop.command, poll.stop.input(input, started), 'optimised').catch(
          () => undefined,
        );
      }
      throw error;
    }
  }

  /** One API call with Step Functions' names in and out. `action` is camelCase or the command's own name. */
  private async send(
    service: string,
    action: string,
    parameters: Json,
    integration: Integration,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const { client, module } = this.clientFor(service);
    const commandName = `${action[0]!.toUpperCase()}${action.slice(1)}Command`;
    const Command = module[commandName] as CommandClass | undefined;
    if (typeof Command !== 'function') {
      throw new StatesError('States.Runtime', `the installed client of ${service} has no ${commandName}`);
    }
    const schema = new Command({}).schema;
    try {
      const response = await client.send(new Command(toSdkNames(schema?.[4], parameters)), {
        ...(signal !== undefined ? { abortSignal: signal } : {}),
      });
      return toStatesOutput(schema?.[5], response);
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason;
      const err = error as { name?: string; message?: string };
      throw new StatesError(this.errorName(service, integration, err.name ?? 'Error'), err.message ?? String(error));
    }
  }

  private clientFor(service: string): { client: Client; module: Json } {
    let entry = this.modules.get(service);
    if (entry !== undefined) return entry;
    const found = this.installed().get(service);
    if (found === undefined) {
      const name = `@aws-sdk/client-${PACKAGE_HINT[service] ?? service}`;
      throw new StatesError(
        'States.Runtime',
        `the local engine calls ${service} through the AWS SDK v3, and no @aws-sdk/client-* package for it is installed: npm install ${name}`,
      );
    }
    const module = createRequire(join(found.from, 'noop.js'))(found.name) as Json;
    const ClientClass = Object.entries(module).find(
      ([name, value]) => /^[A-Z][A-Za-z0-9]*Client$/.test(name) && typeof value === 'function',
    )?.[1] as (new (config: Json) => Client) | undefined;
    if (ClientClass === undefined) throw new StatesError('States.Runtime', `${found.name} exports no client class`);
    const endpoint = this.config.endpoint;
    const client = new ClientClass({
      region: this.config.region ?? 'us-east-1',
      ...(endpoint !== undefined ? { endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } } : {}),
    });
    entry = { client, module };
    this.modules.set(service, entry);
    return entry;
  }

  /** Step Functions' name of an error of `service`'s client (sdk-error-names.ts). */
  private errorName(service: string, integration: Integration, name: string): string {
    const entry = this.modules.get(service);
    if (integration === 'aws-sdk') return awsSdkIntegrationErrorName(entry?.client.config?.serviceId ?? service, name);
    const client = Object.keys(entry?.module ?? {}).find((key) => /^[A-Z][A-Za-z0-9]*Client$/.test(key));
    return optimisedIntegrationErrorName(service, client?.slice(0, -'Client'.length) ?? service, name);
  }

  /** Installed client packages by Step Functions' service name (`client-emr-serverless` → `emrserverless`). */
  private installed(): Map<string, { name: string; from: string }> {
    if (this.packages !== undefined) return this.packages;
    const packages = new Map<string, { name: string; from: string }>();
    const roots = this.config.searchFrom ?? [process.cwd(), import.meta.dirname];
    for (const root of roots) {
      for (const folder of createRequire(join(root, 'noop.js')).resolve.paths('@aws-sdk/x') ?? []) {
        let names: string[];
        try {
          names = readdirSync(join(folder, '@aws-sdk'));
        } catch {
          continue;
        }
        for (const name of names.filter((n) => n.startsWith('client-'))) {
          const service = name.slice('client-'.length).replaceAll('-', '');
          if (!packages.has(service)) packages.set(service, { name: `@aws-sdk/${name}`, from: root });
        }
      }
    }
    this.packages = packages;
    return packages;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
