import type { Command } from 'commander';
import { registerSecretCommands } from './secrets/secret-commands.ts';

/** `airstep connections get|set|list|delete` (see lib/cli/secrets/secret-commands.ts). */
export function registerConnectionsCommand(program: Command): void {
  registerSecretCommands(program, 'connection');
}
