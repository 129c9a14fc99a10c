import type { Command } from 'commander';
import { LocalStore } from '../local/local-store.ts';
import { colours, EXIT, printJson } from './output.ts';
import { runGrid } from './run-output.ts';

/** `airstep tasks <run>`: the task instances of a local run (run id or a unique prefix). */
export function registerTasksCommand(program: Command): void {
  program
    .command('tasks')
    .description('show the task instances of a local run')
    .argument('<run>', 'run id, or a unique prefix of it')
    .option('--json', 'print one JSON document')
    .action(async (runId: string, options: { json?: boolean }) => {
      const store = new LocalStore();
      const run = await store.findRun(runId);
      if (run === undefined) {
        console.error(colours(process.stderr).red(`no local run '${runId}' (see airstep runs)`));
        process.exitCode = EXIT.usage;
        return;
      }
      const tasks = await store.tasks(run.dagId, run.runId);
      if (options.json === true) {
        printJson({ run, tasks });
        return;
      }
      console.log(`${run.dagId} › ${run.runId} (${run.state})`);
      process.stdout.write(runGrid(colours(), tasks));
    });
}
