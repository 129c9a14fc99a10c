import type { Command } from 'commander';
import { LocalRunHistory } from '../local/local-run-history.ts';
import { LocalStore } from '../local/local-store.ts';
import { pickRun } from './history/run-history.ts';
import { colours, EXIT, printJson } from './output.ts';

/** `airstep logs <run> <task> [--try n] [--map-index i]`: one try's log (default: the last try). */
export function registerLogsCommand(program: Command): void {
  program
    .command('logs')
    .description("print a task try's log from a local run")
    .argument('<run>', 'run id, or a unique prefix of it')
    .argument('<task>', 'task id')
    .option('--try <n>', 'try number (default: the last)')
    .option('--map-index <i>', 'item of a mapped task', '-1')
    .option('--dag <id>', 'the DAG of the run')
    .option('--json', 'print one JSON document')
    .action(
      async (
        runId: string,
        taskId: string,
        options: { try?: string; mapIndex: string; dag?: string; json?: boolean },
      ) => {
        const c = colours(process.stderr);
        const store = new LocalStore();
        const picked = await pickRun(await LocalRunHistory.open(store), runId, options.dag);
        if (!picked.ok) {
          console.error(c.red(picked.message));
          process.exitCode = EXIT.usage;
          return;
        }
        const { run } = picked;
        const task = (await store.tasks(run.dagId, run.runId)).find(
          (t) => t.taskId === taskId && t.mapIndex === Number(options.mapIndex),
        );
        if (task === undefined) {
          console.error(c.red(`run ${run.runId} has no task '${taskId}'`));
          process.exitCode = EXIT.usage;
          return;
        }
        const tryNumber = options.try !== undefined ? Number(options.try) : task.tries;
        const log = await store.readLog(run.dagId, run.runId, taskId, task.mapIndex, tryNumber);
        if (options.json === true) {
          printJson({ runId: run.runId, taskId, mapIndex: task.mapIndex, try: tryNumber, log: log ?? null });
          return;
        }
        if (log === undefined) {
          console.error(
            c.red(`no log for try ${tryNumber} of ${taskId} (it has ${task.tries} tries; native steps log nothing)`),
          );
          process.exitCode = EXIT.usage;
          return;
        }
        process.stdout.write(log);
      },
    );
}
