import { Command } from 'commander';
import { registerBackfillCommand } from '../lib/cli/backfill.ts';
import { registerCompileCommand } from '../lib/cli/compile.ts';
import { registerDevCommand } from '../lib/cli/dev.ts';
import { registerGraphCommand } from '../lib/cli/graph.ts';
import { registerListCommand } from '../lib/cli/list.ts';
import { registerLogsCommand } from '../lib/cli/logs.ts';
import { registerNextCommand } from '../lib/cli/next.ts';
import { registerRunCommand } from '../lib/cli/run.ts';
import { registerRunsCommand } from '../lib/cli/runs.ts';
import { registerStartCommand } from '../lib/cli/start.ts';
import { registerSyncCommand } from '../lib/cli/sync.ts';
import { registerTasksCommand } from '../lib/cli/tasks.ts';
import { registerValidateCommand } from '../lib/cli/validate.ts';
import packageJson from '../package.json' with { type: 'json' };

const program = new Command('airstep')
  .description('Airflow-style DAGs in TypeScript, compiled to AWS Step Functions')
  .version(packageJson.version);

registerValidateCommand(program);
registerCompileCommand(program);
registerGraphCommand(program);
registerListCommand(program);
registerRunCommand(program);
registerRunsCommand(program);
registerTasksCommand(program);
registerLogsCommand(program);
registerNextCommand(program);
registerBackfillCommand(program);
registerDevCommand(program);
registerSyncCommand(program);
registerStartCommand(program);

await program.parseAsync(process.argv);
