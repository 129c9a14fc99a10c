import { toStatesNames } from './states-member-names.ts';

/**
 * `awsSdk` steps: any AWS API call as a Step Functions task (`arn:aws:states:::aws-sdk:<service>:<action>`), typed
 * by the AWS SDK v3 command class the author imports. The class gives the input and output types to `tsc`, and at
 * declaration its operation schema (`com.amazonaws.<service>#<Operation>`) gives the service and action names
 * Step Functions uses, so nothing is spelt twice.
 */

/** An AWS SDK v3 command class, e.g. `StartQueryExecutionCommand` from `@aws-sdk/client-athena`. */
// biome-ignore lint/suspicious/noExplicitAny: any command's constructor; its input type is read from the instance
export type AwsSdkCommandClass = abstract new (...args: any[]) => { readonly input: object };

/** A template that fills a whole field with a value of any type (`'{{ params.limit }}'`, `'{{ xcom.task.id }}'`). */
export type TemplateReference = `{{${string}}}`;

/**
 * The SDK input with what a Step Functions task can carry: strings may hold `{{ templates }}`, a non-string field
 * may be one whole template, dates are ISO text and binary fields text (a state's input is JSON).
 */
export type AwsSdkInput<T> = T extends undefined | null
  ? T
  : T extends string
    ? string extends T
      ? string
      : T | TemplateReference
    : T extends number | boolean | bigint
      ? T | TemplateReference
      : T extends Date
        ? string
        : T extends Uint8Array
          ? string
          : T extends ReadonlyArray<infer U>
            ? ReadonlyArray<AwsSdkInput<U>> | TemplateReference
            : T extends object
              ? { readonly [K in keyof T]: AwsSdkInput<T[K]> } | TemplateReference
              : T;

/** A command's whole input: its fields as `AwsSdkInput` allows. */
export type AwsSdkStepInput<T> = { readonly [K in keyof T]: AwsSdkInput<T[K]> };

/** What the command answers, as JSON: no `$metadata`, dates as ISO text, binary as text. */
export type AwsSdkOutput<T> = T extends Date
  ? string
  : T extends Uint8Array
    ? string
    : T extends ReadonlyArray<infer U>
      ? AwsSdkOutput<U>[]
      : T extends object
        ? { [K in keyof T as K extends '$metadata' ? never : K]: AwsSdkOutput<T[K]> }
        : T;

/** The input type of a command class (its instances' `input`). */
export type CommandInput<C extends AwsSdkCommandClass> = InstanceType<C>['input'];

/** The output type of a command class, read from its middleware's handler. */
export type CommandOutput<C extends AwsSdkCommandClass> =
  InstanceType<C> extends {
    // biome-ignore lint/suspicious/noExplicitAny: matched structurally against the SDK's Command
    resolveMiddleware(...args: any[]): (...args: any[]) => Promise<{ output: infer O }>;
  }
    ? O
    : unknown;

export interface AwsSdkStepOptions {
  /**
   * Start the job and wait for it to end, as Step Functions' optimised `.sync` integrations do (Athena
   * `startQueryExecution`, Glue `startJobRun`, Batch `submitJob`, ECS `runTask`, EMR Serverless `startJobRun`,
   * CodeBuild `startBuild`, Step Functions `startExecution`, SageMaker `createTrainingJob`); the task's result is the
   * job's final description. `validate` refuses it for any other action. @default false
   */
  readonly sync?: boolean;
}

/** What `awsSdk` records: Step Functions' names for the call, the input in its names, and problems found. */
export function awsSdkStep(
  command: unknown,
  input: unknown,
  sync: unknown,
): { fields: Record<string, unknown>; problems: Array<{ field: string; message: string }> } {
  const operation = operationOf(command);
  if (operation === undefined) {
    return {
      fields: { input },
      problems: [
        {
          field: 'command',
          message:
            'must be an AWS SDK v3 command class such as StartQueryExecutionCommand from @aws-sdk/client-athena (its operation schema names the service and action)',
        },
      ],
    };
  }
  const problems: Array<{ field: string; message: string }> = [];
  if (sync !== undefined && typeof sync !== 'boolean') {
    problems.push({ field: 'sync', message: `must be true or false, got ${JSON.stringify(sync)}` });
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    problems.push({ field: 'input', message: `must be the command's input object, got ${JSON.stringify(input)}` });
    return { fields: { ...operation.names, input: {} }, problems };
  }
  const named = toStatesNames(operation.input, input);
  for (const member of named.unknown) {
    problems.push({
      field: `input.${member.path}`,
      message: `is not a field of ${operation.names.service}:${operation.names.action} (known: ${member.known.join(', ')})`,
    });
  }
  return { fields: { ...operation.names, input: named.value, ...(sync === true ? { sync: true } : {}) }, problems };
}

/**
 * The service and action from a command's operation schema: `[9, 'com.amazonaws.athena', 'StartQueryExecution',
 * traits, input, output]` gives `athena` / `startQueryExecution`, which is how Step Functions names them (the
 * Smithy namespace is the lowercase service name: `emrserverless`, `sfn`, `cloudwatchlogs`, `eventbridge`).
 */
function operationOf(
  command: unknown,
): { names: { service: string; action: string }; input: unknown; output: unknown } | undefined {
  if (typeof command !== 'function') return undefined;
  let schema: unknown;
  try {
    schema = (new (command as new (input: object) => { schema?: unknown })({}) as { schema?: unknown }).schema;
  } catch {
    return undefined;
  }
  if (!Array.isArray(schema) || typeof schema[1] !== 'string' || typeof schema[2] !== 'string') return undefined;
  const namespace = /^com\.amazonaws\.([a-z0-9]+)$/.exec(schema[1]);
  if (namespace === null || !/^[A-Z][A-Za-z0-9]*$/.test(schema[2])) return undefined;
  const action = `${schema[2][0]!.toLowerCase()}${schema[2].slice(1)}`;
  return { names: { service: namespace[1]!, action }, input: schema[4], output: schema[5] };
}
