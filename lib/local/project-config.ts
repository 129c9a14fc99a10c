import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ROLE_ARN, unlistedRunAsRoles } from '../compiler/role-arn.ts';
import { AirstepError } from '../errors/airstep-error.ts';
import type { Problem } from '../sdk/errors.ts';

/**
 * `airstep.config.json` at the project root: settings that belong to no single DAG. Pool sizes
 * (`{ "pools": { "warehouse": 3 } }`), shared by every DAG that names the pool, and the IAM roles tasks may run
 * under (`"assumableRoleArns": ["arn:aws:iam::…:role/…"]`, the construct's prop of the same name), and non-secret
 * variables task code reads with `ctx.variable` (`"variables": { "bucket": "raw-data" }`).
 */
export const CONFIG_FILE = 'airstep.config.json';

const configSchema = z.strictObject({
  $schema: z.string().optional(),
  pools: z
    .record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'pool names are 1-64 letters, digits, _ or -'), z.int().min(1))
    .default({}),
  assumableRoleArns: z
    .array(z.string().regex(ROLE_ARN, 'must be an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)'))
    .default([]),
  // Non-secret values task code reads with ctx.variable (lib/local/local-secrets.ts reads them in the worker).
  variables: z
    .record(
      z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'variable names are 1-128 letters, digits, _ . or -'),
      z.string(),
    )
    .default({}),
});

export type ProjectConfig = z.infer<typeof configSchema>;

/** `airstep.config.json` is not JSON or not a valid config; the message names the file and each field. */
export class ProjectConfigError extends AirstepError {
  override readonly name = 'ProjectConfigError';
  readonly path: string;

  constructor(path: string, message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'INVALID_PROJECT_CONFIG', ...options });
    this.path = path;
  }
}

/** Reads the config of the project in `dir`; no file means the defaults. Errors name the file and the field. */
export async function loadProjectConfig(dir = '.'): Promise<ProjectConfig> {
  const path = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { pools: {}, assumableRoleArns: [], variables: {} };
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ProjectConfigError(path, `${path}: not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    throw new ProjectConfigError(
      path,
      parsed.error.issues.map((issue) => `${path} › ${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n'),
    );
  }
  return parsed.data;
}

/**
 * A task whose `runAs` role the project does not list: locally the task runs with the default credentials, so
 * nothing would fail here that fails in the cloud; the list keeps the two the same.
 */
export function unlistedRunAsProblems(
  compiled: { readonly dagId: string; readonly tasks: ReadonlyArray<{ readonly id: string; readonly runAs?: string }> },
  file: string,
  config: Pick<ProjectConfig, 'assumableRoleArns'>,
): Problem[] {
  // A runAs that is no role ARN is already a problem of the DAG itself.
  const roles = compiled.tasks.filter((task) => task.runAs === undefined || ROLE_ARN.test(task.runAs));
  return unlistedRunAsRoles(roles, config.assumableRoleArns).map(({ taskId, runAs }) => ({
    file,
    dagId: compiled.dagId,
    taskId,
    field: 'runAs',
    message: `${runAs} is not a role this project may assume: list it in ${CONFIG_FILE} "assumableRoleArns" (and in the Airstep construct's assumableRoleArns for the cloud)`,
  }));
}
