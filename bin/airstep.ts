import { createRequire } from 'node:module';
import { Command } from 'commander';
import { stopForClosedOutput } from '../lib/cli/stop-signals.ts';
import { abandonedImports } from '../lib/runtime/import-limit.ts';

// The package's own manifest by name, the same from the sources and from dist/ (a JSON import would be copied
// into dist/ by the build).
const packageJson = createRequire(import.meta.url)('airstep/package.json') as { version: string };

/**
 * The `airstep` CLI. Each command lives in `lib/cli/<command>.ts`; only the module of the command being run is
 * loaded (the AWS SDK, esbuild and the emulator launcher cost hundreds of milliseconds a cold start should not
 * pay). Help and unknown commands load them all.
 */
type Register = (program: Command) => void;
/** lib/cli/output.ts's `EXIT.usage`, without loading it before the command that is run. */
const USAGE_EXIT = 2;

const COMMANDS: Record<string, () => Promise<Register>> = {
  validate: async () => (await import('../lib/cli/validate.ts')).registerValidateCommand,
  compile: async () => (await import('../lib/cli/compile.ts')).registerCompileCommand,
  graph: async () => (await import('../lib/cli/graph.ts')).registerGraphCommand,
  list: async () => (await import('../lib/cli/list.ts')).registerListCommand,
  assets: async () => (await import('../lib/cli/assets.ts')).registerAssetsCommand,
  run: async () => (await import('../lib/cli/run.ts')).registerRunCommand,
  runs: async () => (await import('../lib/cli/runs.ts')).registerRunsCommand,
  tasks: async () => (await import('../lib/cli/tasks.ts')).registerTasksCommand,
  mark: async () => (await import('../lib/cli/mark.ts')).registerMarkCommand,
  logs: async () => (await import('../lib/cli/logs.ts')).registerLogsCommand,
  trigger: async () => (await import('../lib/cli/trigger.ts')).registerTriggerCommand,
  next: async () => (await import('../lib/cli/next.ts')).registerNextCommand,
  backfill: async () => (await import('../lib/cli/backfill.ts')).registerBackfillCommand,
  clear: async () => (await import('../lib/cli/clear.ts')).registerClearCommand,
  dev: async () => (await import('../lib/cli/dev.ts')).registerDevCommand,
  sync: async () => (await import('../lib/cli/sync.ts')).registerSyncCommand,
  start: async () => (await import('../lib/cli/start.ts')).registerStartCommand,
  pause: async () => (await import('../lib/cli/pause.ts')).registerPauseCommand,
  unpause: async () => (await import('../lib/cli/pause.ts')).registerUnpauseCommand,
  note: async () => (await import('../lib/cli/note.ts')).registerNoteCommand,
  ui: async () => (await import('../lib/cli/ui.ts')).registerUiCommand,
  variables: async () => (await import('../lib/cli/variables.ts')).registerVariablesCommand,
  connections: async () => (await import('../lib/cli/connections.ts')).registerConnectionsCommand,
};

// The AWS SDK's notice that its future versions need a newer Node (9 lines on stderr, in the middle of a command's
// output) is switched off the way the SDK offers (@aws-sdk/core reads this variable before warning); set before any
// command module loads the SDK, and inherited by worker processes. A user who sets it keeps their value.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `airstep runs --json | head`: a reader that stops early is not an error. A command running DAG runs is stopped
// instead (its runs recorded interrupted; see lib/cli/stop-signals.ts).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  if (!stopForClosedOutput()) process.exit(0);
});
// A closed stderr has no reader to tell: losing the line is all that can happen, never a crash.
process.stderr.on('error', () => undefined);

const program = new Command('airstep')
  .description('Airflow-style DAGs in TypeScript, compiled to AWS Step Functions')
  .version(packageJson.version);
// Usage errors (an unknown option or command, a missing argument) are bad input: exit 2, as every command's own
// refusals, not commander's 1 (a failed run's code). Help and --version stay 0. Set before the commands are
// registered, so each inherits it.
program.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : USAGE_EXIT));
// With --json, a usage error is JSON on stdout too, as every command's own refusals are.
const wantsJson = process.argv.includes('--json');
program.configureOutput({
  writeErr: (text) =>
    wantsJson
      ? process.stdout.write(`${JSON.stringify({ ok: false, error: text.trim() }, null, 2)}\n`)
      : process.stderr.write(text),
});

const asked = process.argv[2];
const needed = asked !== undefined && asked in COMMANDS ? [asked] : Object.keys(COMMANDS);
for (const name of needed) (await COMMANDS[name]!())(program);

await program.parseAsync(process.argv);
// A DAG file given up on at import may have left timers or handles behind: they must not outlive the command.
if (abandonedImports() > 0) process.exit();
