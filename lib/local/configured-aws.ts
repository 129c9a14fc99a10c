import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What configures AWS in this environment (`AWS_PROFILE`, `~/.aws/config`, …), or undefined when nothing does. */
export function configuredAws(env: NodeJS.ProcessEnv = process.env, home = homedir()): string | undefined {
  for (const name of [
    'AWS_ENDPOINT_URL',
    'AWS_ACCESS_KEY_ID',
    'AWS_PROFILE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  ]) {
    if (env[name] !== undefined && env[name] !== '') return name;
  }
  const files = [
    env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
    env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
  ];
  return files.find((file) => existsSync(file));
}
