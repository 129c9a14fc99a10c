import type { Command } from 'commander';
import { registerSecretCommands } from './secrets/secret-commands.ts';

/** `airstep variables get|set|list|delete` (see lib/cli/secrets/secret-commands.ts). */
export function registerVariablesCommand(program: Command): void {
  registerSecretCommands(program, 'variable');
}
