import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * `airstep.config.json` at the project root: settings that belong to no single DAG. Today: pool sizes
 * (`{ "pools": { "warehouse": 3 } }`), shared by every DAG that names the pool.
 */
export const CONFIG_FILE = 'airstep.config.json';

const configSchema = z.strictObject({
  $schema: z.string().optional(),
  pools: z
    .record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'pool names are 1-64 letters, digits, _ or -'), z.int().min(1))
    .default({}),
});

export type ProjectConfig = z.infer<typeof configSchema>;

export class ProjectConfigError extends Error {
  override readonly name = 'ProjectConfigError';
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
    throw new ProjectConfigError(`${path}: not JSON: ${(error as Error).message}`);
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    throw new ProjectConfigError(
      parsed.error.issues.map((issue) => `${path} › ${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n'),
    );
  }
  return parsed.data;
}
