import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { defaultSecretsPrefix, SECRETS_PREFIX_OUTPUT } from '../stack-contract/secrets-paths.ts';
import {
  BUCKET_OUTPUT,
  DEFAULT_STACK_NAME,
  STACK_OUTPUTS,
  type StackOutputKey,
} from '../stack-contract/stack-outputs.ts';
import type { Checked } from './run-input.ts';

/**
 * How `trigger`, `runs`, `tasks` and `list` find a deployed Airstep: the outputs of its CloudFormation stack
 * (lib/stack-contract/stack-outputs.ts), read either from CloudFormation (`--stack <name>`: DescribeStacks with the
 * usual AWS credentials, region and `AWS_ENDPOINT_URL`) or from the file `cdk deploy --outputs-file <file>`
 * writes (`--outputs <file>`: `{ "<stack>": { "<OutputKey>": "<value>", … } }`; `--stack` then picks the stack
 * when the file holds several). Without either option a command works on the local store and files, as before.
 */
export type CloudStack = Readonly<Record<StackOutputKey, string>> & {
  /** Where the outputs came from, for messages: `stack AirstepStack` or `cdk-outputs.json › AirstepStack`. */
  readonly source: string;
  /** The stack's bucket (`BucketName`), where dag-sync keeps each DAG version's manifest; read where present. */
  readonly bucket?: string;
  /**
   * Where the stack's Variables and Connections live (`SecretsPrefix`). A stack deployed before that output existed
   * gets the construct's default for its name, the prefix it will have once deployed again (its workers could not
   * read either before).
   */
  readonly secretsPrefix: string;
};

export interface CloudStackOptions {
  readonly stack?: string;
  readonly outputs?: string;
}

/** Adds `--stack` and `--outputs` to a command. */
export function cloudStackOptions(command: Command): Command {
  return command
    .option(
      '--stack <name>',
      `the deployed stack to use (its outputs, from CloudFormation; e.g. ${DEFAULT_STACK_NAME})`,
    )
    .option('--outputs <file>', 'the stack outputs from this file (written by `cdk deploy --outputs-file <file>`)');
}

/** True when the command should work on the deployed stack rather than locally. */
export function wantsCloud(options: CloudStackOptions): boolean {
  return options.stack !== undefined || options.outputs !== undefined;
}

/** The deployed stack's resources, or a message naming the file, stack or output that is missing. */
export async function resolveCloudStack(options: CloudStackOptions): Promise<Checked<CloudStack>> {
  if (options.outputs !== undefined) return outputsFromFile(options.outputs, options.stack);
  const stackName = options.stack ?? DEFAULT_STACK_NAME;
  // The CloudFormation client loads only when a command reads a stack.
  const { describeStackOutputs, StackLookupError } = await import('./describe-stack-outputs.ts');
  try {
    return stackOf(`stack ${stackName}`, stackName, await describeStackOutputs(stackName));
  } catch (error) {
    if (error instanceof StackLookupError) return { ok: false, message: error.message };
    throw error;
  }
}

async function outputsFromFile(file: string, stackName: string | undefined): Promise<Checked<CloudStack>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    return { ok: false, message: `--outputs ${file}: ${reason}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, message: `--outputs ${file}: expected { "<stack>": { "<output>": "<value>" } }` };
  }
  const stacks = parsed as Record<string, unknown>;
  const names = Object.keys(stacks);
  const airstepLike = names.filter((name) => isObject(stacks[name]) && STACK_OUTPUTS.runsTable in stacks[name]);
  const chosen =
    stackName ?? (names.length === 1 ? names[0] : airstepLike.length === 1 ? airstepLike[0] : DEFAULT_STACK_NAME);
  const outputs = chosen !== undefined ? stacks[chosen] : undefined;
  if (!isObject(outputs)) {
    return {
      ok: false,
      message:
        `--outputs ${file}: no stack '${chosen}' (found: ${names.join(', ') || 'none'})` +
        (stackName === undefined && names.length > 1 ? '; choose one with --stack' : ''),
    };
  }
  return stackOf(`${file} › ${chosen}`, chosen!, outputs);
}

function stackOf(source: string, stackName: string, outputs: Record<string, unknown>): Checked<CloudStack> {
  const missing = Object.values(STACK_OUTPUTS).filter((key) => typeof outputs[key] !== 'string' || outputs[key] === '');
  if (missing.length > 0) {
    return {
      ok: false,
      message: `${source}: no output ${missing.join(', ')} (a stack deployed before these outputs existed: run cdk deploy again)`,
    };
  }
  const values = Object.fromEntries(
    (Object.entries(STACK_OUTPUTS) as Array<[StackOutputKey, string]>).map(([key, output]) => [key, outputs[output]]),
  ) as Record<StackOutputKey, string>;
  const bucket = outputs[BUCKET_OUTPUT];
  const prefix = outputs[SECRETS_PREFIX_OUTPUT];
  const secretsPrefix = typeof prefix === 'string' && prefix !== '' ? prefix : defaultSecretsPrefix(stackName);
  return {
    ok: true,
    value: { ...values, source, secretsPrefix, ...(typeof bucket === 'string' && bucket !== '' ? { bucket } : {}) },
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
