import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { STACK_ENV, type StackEnvKey } from '../stack-contract/stack-env.ts';
import { PACKAGE_ROOT } from './package-root.ts';

const ROOT = PACKAGE_ROOT;

export const FUNCTION_NAMES = ['dagSync', 'worker', 'trigger', 'recorder'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];
const ENTRY_FOLDER: Record<FunctionName, string> = {
  dagSync: 'dag-sync',
  worker: 'worker',
  trigger: 'trigger',
  recorder: 'recorder',
};

/** Each function's POWERTOOLS_SERVICE_NAME: its logs' `service` field and its metrics' `service` dimension. */
export const SERVICE_NAMES = Object.fromEntries(
  FUNCTION_NAMES.map((name) => [name, `airstep-${ENTRY_FOLDER[name]}`]),
) as Record<FunctionName, string>;

export interface AirstepFunctionsProps {
  /** The worker's timeout, which bounds a task try on Lambda. @default Duration.minutes(15) */
  readonly workerTimeout?: Duration;
  /** The dag-sync timeout: one SQS batch of DAG files evaluated and deployed. @default Duration.minutes(5) */
  readonly dagSyncTimeout?: Duration;
  /** Memory of the worker Lambda, in MB (CPU grows with it). @default 1024 */
  readonly workerMemoryMb?: number;
  /** Days function logs are kept. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Queues the worker consumes: task queues and the control queue. */
  readonly workerQueues: readonly sqs.IQueue[];
  /** The dag-sync queue (S3 events for `dags/`). */
  readonly dagEvents: sqs.IQueue;
  /** Where asynchronous invocations of trigger and recorder go after Lambda's own retries fail. */
  readonly failedEvents: sqs.IQueue;
  /** Layers every function gets (the MiniStack profile's AWS SDK). @default - none */
  readonly layers?: readonly lambda.ILayerVersion[];
}

/**
 * The four Lambdas and dag-sync's evaluator, each a thin handler in `lambdas/<name>/index.ts` bundled by esbuild (never Docker): Node 24
 * on ARM, X-Ray tracing, JSON logs. dag-sync reads the dag events queue; the worker reads the task queues and
 * the control queue and reports partial batch failures; trigger (invoked by schedules) and recorder (invoked by an
 * EventBridge rule) run asynchronously, so an event they fail on three times is kept in the failed-events queue.
 * Environment is set by the `Airstep` construct. The evaluator runs DAG code for dag-sync: it has no Airstep
 * variables, no tracing and a role that may only write its own logs.
 */
export class AirstepFunctions extends Construct {
  readonly functions: Record<FunctionName, NodejsFunction>;
  readonly logGroups: Record<FunctionName, logs.LogGroup>;
  /** Evaluates and compiles one DAG file per synchronous invocation from dag-sync (lambdas/dag-evaluator). */
  readonly evaluator: NodejsFunction;
  readonly evaluatorLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AirstepFunctionsProps) {
    super(scope, id);
    const logGroups: Partial<Record<FunctionName, logs.LogGroup>> = {};
    const logGroupOf = (name: string) =>
      new logs.LogGroup(this, `${name}Logs`, { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    const make = (name: FunctionName, timeout: Duration, memorySize: number, invokedAsync = false) => {
      const logGroup = logGroupOf(name);
      logGroups[name] = logGroup;
      return this.makeFunction(name[0]!.toUpperCase() + name.slice(1), ENTRY_FOLDER[name], props, {
        timeout,
        memorySize,
        tracing: lambda.Tracing.ACTIVE,
        logGroup,
        ...(invokedAsync ? { deadLetterQueue: props.failedEvents } : {}),
        environment: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: SERVICE_NAMES[name] },
      });
    };
    const workerTimeout = props.workerTimeout ?? Duration.minutes(15);
    this.functions = {
      // 1769 MB is one full vCPU: stripping types of (and, on Node 20, bundling) a DAG file is CPU-bound.
      dagSync: make('dagSync', props.dagSyncTimeout ?? Duration.minutes(5), 1769),
      worker: make('worker', workerTimeout, props.workerMemoryMb ?? 1024),
      trigger: make('trigger', Duration.seconds(30), 512, true),
      recorder: make('recorder', Duration.minutes(1), 512, true),
    };
    this.logGroups = logGroups as Record<FunctionName, logs.LogGroup>;

    // DAG code runs in the evaluator: its role may write its own log streams and nothing else (no X-Ray either).
    this.evaluatorLogs = logGroupOf('dagEvaluator');
    const evaluatorRole = new iam.Role(this, 'DagEvaluatorRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Airstep DAG evaluator: writes its own logs, nothing else (DAG code runs under it)',
    });
    evaluatorRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.evaluatorLogs.logGroupArn],
      }),
    );
    this.evaluator = this.makeFunction('DagEvaluator', 'dag-evaluator', props, {
      // The evaluating process has 30 s to import and compile a file; the rest is its start and the answer.
      timeout: Duration.minutes(1),
      // One full vCPU: compiling a big DAG is CPU-bound.
      memorySize: 1769,
      role: evaluatorRole,
      logGroup: this.evaluatorLogs,
      environment: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'airstep-dag-evaluator' },
    });

    this.functions.dagSync.addEventSource(
      new SqsEventSource(props.dagEvents, { batchSize: 10, reportBatchItemFailures: true }),
    );
    for (const queue of props.workerQueues) {
      this.functions.worker.addEventSource(new SqsEventSource(queue, { batchSize: 1, reportBatchItemFailures: true }));
    }
  }

  /** One of the stack's functions: `lambdas/<folder>/index.ts`, bundled by esbuild, Node 24 on ARM, JSON logs. */
  private makeFunction(
    id: string,
    folder: string,
    props: AirstepFunctionsProps,
    options: Pick<
      lambda.FunctionOptions,
      'timeout' | 'memorySize' | 'tracing' | 'role' | 'deadLetterQueue' | 'environment'
    > & { logGroup: logs.ILogGroup },
  ): NodejsFunction {
    return new NodejsFunction(this, id, {
      entry: join(ROOT, 'lambdas', folder, 'index.ts'),
      handler: 'handler',
      projectRoot: ROOT,
      depsLockFilePath: join(ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      loggingFormat: lambda.LoggingFormat.JSON,
      ...options,
      ...(props.layers !== undefined ? { layers: [...props.layers] } : {}),
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        target: 'node22',
        // The Node runtime ships AWS SDK v3; ESM bundles still need `require` for CommonJS dependencies.
        // esbuild is only the Node 20 fallback for type stripping (strip-types.ts); Node 24 strips types itself.
        externalModules: ['@aws-sdk/*', 'esbuild'],
        banner:
          "import { createRequire as __airstepRequire } from 'module'; const require = __airstepRequire(import.meta.url);",
      },
    });
  }

  /** Sets an Airstep variable on the named functions (see `lib/stack-contract/stack-env.ts`). */
  setEnv(key: StackEnvKey, value: string, names: readonly FunctionName[] = FUNCTION_NAMES): void {
    for (const name of names) this.functions[name].addEnvironment(STACK_ENV[key], value);
  }
}
