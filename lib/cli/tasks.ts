import type { Command } from 'commander';
import { type CloudStackOptions, cloudStackOptions } from './cloud-stack.ts';
import { executionConsoleUrl, withConsoleUrl } from './console-url.ts';
import { openRunHistory } from './history/open-run-history.ts';
import { pickRun } from './history/run-history.ts';
import { colours, EXIT, printJson } from './output.ts';
import { refuser } from './run-input.ts';
import { runGrid, speedNote } from './run-output.ts';

type TasksOptions = CloudStackOptions & { dag?: string; json?: boolean };

/**
 * `airstep tasks <run>`: the task instances of a run (run id or a prefix only one run has), as the grid `run` ends
 * with, and the error of each failed task. Local runs, or with `--stack` / `--outputs` the deployed stack's runs (a
 * mapped task's instances as `task[<index>]` rows after it, as locally); run ids are unique per DAG, so `--dag`
 * narrows the search (without it every DAG is searched).
 */
export function registerTasksCommand(program: Command): void {
  cloudStackOptions(
    program
      .command('tasks')
      .description('show the task instances of a run (local, or of the deployed stack with --stack / --outputs)')
      .argument('<run>', 'run id, or a unique prefix of it')
      .option('--dag <id>', 'the DAG of the run'),
  )
    .option('--json', 'print one JSON document')
    .action(async (runId: string, options: TasksOptions) => {
      process.exitCode = await showTasks(runId, options);
    });
}

async function showTasks(runId: string, options: TasksOptions): Promise<number> {
  const refuse = refuser(options.json, colours(process.stderr).red);
  const history = await openRunHistory(options);
  if (!history.ok) return refuse(history.message);
  const picked = await pickRun(history.value, runId, options.dag);
  if (!picked.ok) return refuse(picked.message);
  const { run } = picked;
  const tasks = await history.value.tasks(run);
  if (options.json === true) {
    // As `airstep run --json`: the asset events the run's tasks recorded.
    printJson({ run: withConsoleUrl(run), assetEvents: await history.value.assetEvents(run), tasks });
    return EXIT.ok;
  }
  const c = colours();
  console.log(`${run.dagId} › ${run.runId} (${run.state})`);
  if (run.note !== undefined) console.log(`note: ${run.note}`);
  const url = run.executionArn !== undefined ? executionConsoleUrl(run.executionArn) : undefined;
  if (url !== undefined) console.log(`  console ${url}`);
  process.stdout.write(
    runGrid(
      c,
      tasks.map((task) => ({ ...task, tries: task.tries ?? 0 })),
    ),
  );
  const sped = speedNote(run.clockSpeed);
  if (sped !== undefined) console.log(c.yellow(sped));
  for (const task of tasks) {
    const name = task.mapIndex >= 0 ? `${task.taskId}[${task.mapIndex}]` : task.taskId;
    if (task.error !== undefined) console.log(c.red(`${name}: ${task.errorMessage ?? task.error}`));
    if (task.reason !== undefined) console.log(c.dim(`${name}: skipped: ${task.reason}`));
  }
  // Workers record their tries as they run; steps no worker runs are recorded when the run ends.
  if (tasks.length === 0 && url !== undefined)
    console.log(c.dim('no task has started on a worker yet; see its console page'));
  return EXIT.ok;
}
