import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EMULATOR_PROFILE_CONTEXT } from '../lib/constructs/airstep-stack.ts';
import { PACKAGE_ROOT } from '../lib/constructs/package-root.ts';
import { dynamoClient } from '../lib/dynamo/dag-record.ts';
import { type RunningEmulator, startEmulator } from '../lib/emulator/launcher.ts';
import { AirstepError } from '../lib/errors/airstep-error.ts';
import { type CloudRun, type CloudTaskInstance, findRuns, listTaskInstances } from '../lib/runs/run-history.ts';
import type { TriggerEvent, TriggerResult } from '../lib/runs/trigger-run.ts';
import { DEFAULT_STACK_NAME, STACK_OUTPUTS } from '../lib/stack-contract/stack-outputs.ts';
import { EcsStandIn } from './ecs-stand-in.ts';

/**
 * The synthesized `AirstepStack` deployed to MiniStack with the real `cdk bootstrap` and `cdk deploy` (the pinned
 * CLI, `AWS_ENDPOINT_URL` at the emulator, the construct's MiniStack profile: `-c airstep:emulatorProfile=ministack`).
 * Every handler then runs as an emulator Lambda fed by its real event source: S3 → dag-sync queue → dag-sync,
 * Invoke (and schedules) → trigger, task and control queues → worker, Step Functions status events → EventBridge
 * rule → recorder. Nothing here runs a handler; it only uploads, invokes the trigger as `airstep trigger` does,
 * and reads what the stack wrote. Used by `npm run stack:local` and the end-to-end tests.
 */
export class StackLocalError extends AirstepError {
  override readonly name = 'StackLocalError';

  constructor(message: string, cause?: unknown) {
    super(message, { code: 'STACK_LOCAL', cause });
  }
}

/**
 * The functions by construct id (`Airstep/Functions/<Id>`), as `handlers` in the summary names them: the four
 * handlers and the evaluator dag-sync invokes for each DAG file.
 */
const FUNCTIONS = {
  dagSync: 'DagSync',
  dagEvaluator: 'DagEvaluator',
  worker: 'Worker',
  trigger: 'Trigger',
  recorder: 'Recorder',
} as const;
export type HandlerName = keyof typeof FUNCTIONS;

export interface Deployment {
  readonly method: 'cdk deploy';
  /** Resources CloudFormation (MiniStack's) reports created. */
  readonly resources: number;
  /** Resources in the synthesized template. */
  readonly templateResources: number;
  /** `cdk bootstrap` and `cdk deploy`, synthesis included. */
  readonly seconds: number;
}

export class DeployedStack {
  readonly s3 = new S3Client({ forcePathStyle: true });
  readonly sqs = new SQSClient({});
  readonly sfn = new SFNClient({});
  readonly dynamo: DynamoDBClient = dynamoClient();
  private readonly lambda = new LambdaClient({});
  private readonly logs = new CloudWatchLogsClient({});
  /** Carries out the Fargate worker's RunTasks as host processes (MiniStack's ECS runs no containers). */
  readonly ecs: EcsStandIn;

  private constructor(
    readonly emulator: RunningEmulator,
    readonly deployment: Deployment,
    /** The stack's outputs, as `cdk deploy --outputs-file` wrote them. */
    readonly outputs: Readonly<Record<string, string>>,
    /** The file `cdk deploy --outputs-file` wrote (what `airstep … --outputs` reads). */
    readonly outputsFile: string,
    private readonly physical: ReadonlyMap<string, StackResourceSummary>,
    /** A queue subscribed to the alerts topic, where an email would go on AWS (made here, not in the stack). */
    readonly alertsInbox: string,
    private readonly scratch: string,
  ) {
    const workerTaskDefinition = this.physicalId('AirstepFargateWorkerTask', 'AWS::ECS::TaskDefinition');
    this.ecs = new EcsStandIn(
      this.physicalId('AirstepFargateCluster', 'AWS::ECS::Cluster'),
      workerTaskDefinition.split('/').pop()!.split(':')[0]!,
      { ...emulator.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    );
    this.ecs.start();
  }

  get bucket(): string {
    return this.outputs.BucketName!;
  }
  get tables() {
    return {
      dags: this.outputs[STACK_OUTPUTS.dagsTable]!,
      runs: this.outputs[STACK_OUTPUTS.runsTable]!,
      taskInstances: this.outputs[STACK_OUTPUTS.taskInstancesTable]!,
      importErrors: this.outputs[STACK_OUTPUTS.importErrorsTable]!,
    };
  }

  /** Starts MiniStack and deploys the stack to it; on failure, stops the emulator again. */
  static async deploy(log: (line: string) => void = () => {}): Promise<DeployedStack> {
    const emulator = await startEmulator('ministack', { log });
    const scratch = await mkdtemp(join(tmpdir(), 'airstep-stack-local-'));
    try {
      Object.assign(process.env, emulator.env);
      const outdir = join(scratch, 'cdk.out');
      const outputsFile = join(scratch, 'cdk-outputs.json');
      const started = performance.now();
      log('cdk bootstrap …');
      await cdk(emulator, ['bootstrap', 'aws://000000000000/us-east-1', '--output', outdir]);
      log('cdk deploy …');
      await cdk(emulator, [
        'deploy',
        DEFAULT_STACK_NAME,
        '--context',
        `${EMULATOR_PROFILE_CONTEXT}=ministack`,
        '--require-approval',
        'never',
        '--output',
        outdir,
        '--outputs-file',
        outputsFile,
      ]);
      const seconds = (performance.now() - started) / 1000;
      const template = JSON.parse(await readFile(join(outdir, `${DEFAULT_STACK_NAME}.template.json`), 'utf8')) as {
        Resources: Record<string, unknown>;
      };
      const outputs = (JSON.parse(await readFile(outputsFile, 'utf8')) as Record<string, Record<string, string>>)[
        DEFAULT_STACK_NAME
      ]!;
      const summaries = await stackResources(new CloudFormationClient({}));
      const created = summaries.filter((resource) => resource.ResourceStatus === 'CREATE_COMPLETE');
      const physical = new Map(summaries.map((resource) => [resource.LogicalResourceId!, resource]));
      const alertsInbox = await subscribeInbox(outputs.AlertsTopicArn!);
      return new DeployedStack(
        emulator,
        {
          method: 'cdk deploy',
          resources: created.length,
          templateResources: Object.keys(template.Resources).length,
          seconds,
        },
        outputs,
        outputsFile,
        physical,
        alertsInbox,
        scratch,
      );
    } catch (error) {
      await emulator.stop();
      await rm(scratch, { recursive: true, force: true });
      throw error;
    }
  }

  async upload(key: string, body: string | Uint8Array): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
  }

  /** Invokes the stack's trigger Lambda with one event (RequestResponse), as `airstep trigger` does. */
  async trigger(event: TriggerEvent): Promise<TriggerResult> {
    const answer = await this.lambda.send(
      new InvokeCommand({
        FunctionName: this.outputs[STACK_OUTPUTS.triggerFunction]!,
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    const text = new TextDecoder().decode(answer.Payload);
    if (answer.FunctionError !== undefined) throw new StackLocalError(`trigger failed: ${text}`);
    return JSON.parse(text) as TriggerResult;
  }

  /**
   * The run as the recorder wrote it, once it has ended (success or failed) and the records of `taskIds` are
   * written (the recorder writes the run's state first, then one record per task); polls the runs and
   * taskInstances tables (a task record counts once the recorder made it `final`: workers write live ones while
   * the run runs). Undefined
   * at the deadline.
   */
  async runEnded(
    dagId: string,
    runId: string,
    taskIds: readonly string[],
    timeoutMs = 180_000,
  ): Promise<{ run: CloudRun; tasks: CloudTaskInstance[] } | undefined> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const run = (await findRuns(this.dynamo, this.tables.runs, dagId, runId)).find((found) => found.runId === runId);
      if (run !== undefined && (run.state === 'success' || run.state === 'failed')) {
        const tasks = await listTaskInstances(this.dynamo, this.tables.taskInstances, dagId, runId);
        // The recorder's end-of-run records (workers write live ones while the run runs).
        const recorded = new Set(tasks.filter((task) => task.final === true).map((task) => task.taskId));
        if (taskIds.every((taskId) => recorded.has(taskId))) return { run, tasks };
      }
      await new Promise((done) => setTimeout(done, 250));
    }
    return undefined;
  }

  /** Alert messages published to the stack's topic so far (read from the queue subscribed to it). */
  async alerts(waitSeconds = 2): Promise<string[]> {
    const { Messages = [] } = await this.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: this.alertsInbox, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }),
    );
    return Messages.map((message) => message.Body!);
  }

  /** The physical id (name, URL, ARN) of a resource of the stack, by its logical id without CDK's hash suffix. */
  physicalId(logicalIdPrefix: string, type: string): string {
    const found = [...this.physical.values()].find(
      (resource) =>
        resource.ResourceType === type &&
        resource.LogicalResourceId!.startsWith(logicalIdPrefix) &&
        /^[0-9A-F]{8}$/.test(resource.LogicalResourceId!.slice(logicalIdPrefix.length)),
    );
    if (found?.PhysicalResourceId === undefined)
      throw new StackLocalError(`no ${type} ${logicalIdPrefix}… in the deployed stack`);
    return found.PhysicalResourceId;
  }

  /** The name of one of the stack's functions. */
  functionName(handler: HandlerName): string {
    return this.physicalId(`AirstepFunctions${FUNCTIONS[handler]}`, 'AWS::Lambda::Function');
  }

  /**
   * How each handler ran: `lambda` when the stack's function for it has logged at least one invocation (the
   * Lambda runtime's `REPORT RequestId` line in the function's own log group), else `not invoked`.
   */
  async handlers(): Promise<Record<HandlerName, 'lambda' | 'not invoked'>> {
    const entries = await Promise.all(
      (Object.keys(FUNCTIONS) as HandlerName[]).map(async (handler) => {
        const { events = [] } = await this.logs.send(
          new FilterLogEventsCommand({ logGroupName: this.logGroupOf(handler), filterPattern: 'REPORT RequestId' }),
        );
        const invoked = events.some((event) => event.message?.includes('REPORT RequestId'));
        return [handler, invoked ? 'lambda' : 'not invoked'] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<HandlerName, 'lambda' | 'not invoked'>;
  }

  /** The last lines one of the stack's functions logged (for a failure's message). */
  async logTail(handler: HandlerName, lines = 40): Promise<string> {
    return (await this.logLines(handler))
      .slice(-lines)
      .map((line) => line.message)
      .join('\n');
  }

  /** What one of the stack's functions logged (from `since`, ms since the epoch), with each line's time. */
  async logLines(handler: HandlerName, since = 0): Promise<Array<{ at: number; message: string }>> {
    const lines: Array<{ at: number; message: string }> = [];
    let nextToken: string | undefined;
    do {
      const page = await this.logs.send(
        new FilterLogEventsCommand({ logGroupName: this.logGroupOf(handler), startTime: since, nextToken }),
      );
      for (const event of page.events ?? [])
        lines.push({ at: event.timestamp ?? 0, message: (event.message ?? '').trimEnd() });
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return lines;
  }

  private logGroupOf(handler: HandlerName): string {
    return this.physicalId(
      `AirstepFunctions${handler[0]!.toLowerCase()}${handler.slice(1)}Logs`,
      'AWS::Logs::LogGroup',
    );
  }

  async stop(): Promise<void> {
    await this.ecs.stop();
    await this.emulator.stop();
    await rm(this.scratch, { recursive: true, force: true });
  }
}

/** The pinned CDK CLI (`aws-cdk` devDependency) against the emulator, from the package root (its cdk.json). */
function cdk(emulator: RunningEmulator, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), ...args], {
      cwd: PACKAGE_ROOT,
      env: {
        ...process.env,
        ...emulator.env,
        CDK_DISABLE_VERSION_CHECK: '1',
        CDK_DISABLE_CLI_TELEMETRY: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        CI: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const keep = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.length > 400) output.shift();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new StackLocalError(`cdk ${args[0]} failed (exit ${code}):\n${output.join('').slice(-4000)}`)),
    );
  });
}

async function stackResources(cloudFormation: CloudFormationClient): Promise<StackResourceSummary[]> {
  const resources: StackResourceSummary[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudFormation.send(new ListStackResourcesCommand({ StackName: DEFAULT_STACK_NAME, NextToken }));
    resources.push(...(page.StackResourceSummaries ?? []));
    NextToken = page.NextToken;
  } while (NextToken !== undefined);
  return resources;
}

/** A queue subscribed to the alerts topic (raw delivery), so alerts can be read back. */
async function subscribeInbox(topicArn: string): Promise<string> {
  const sqs = new SQSClient({});
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'stack-local-alerts-inbox' }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn!;
  await new SNSClient({}).send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: arn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return url;
}
