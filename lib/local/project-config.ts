import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AirstepError } from '../errors/airstep-error.ts';

/**
 * `airstep.config.json` at the project root: settings that belong to no single DAG. Today: pool sizes
 * (`{ "pools": { "warehouse": 3 } }`), shared by every DAG that names the pool.
 */
const CONFIG_FILE = 'airstep.config.json';

const configSchema = z.strictObject({
  $schema: z.string().optional(),
  pools: z
    .record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'pool names are 1-64 letters, digits, _ or -'), z.int().min(1))
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
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { pools: {} };
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
