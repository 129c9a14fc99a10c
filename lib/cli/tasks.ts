import type { Command } from 'commander';
import { LocalStore } from '../local/local-store.ts';
import { executionConsoleLink } from '../runs/run-records.ts';
import { type CloudStackOptions, cloudStackOptions, resolveCloudStack, wantsCloud } from './cloud-stack.ts';
import { colours, EXIT, printJson } from './output.ts';
import { refuser } from './run-input.ts';
import { runGrid } from './run-output.ts';

type TasksOptions = CloudStackOptions & { dag?: string; json?: boolean };

/**
 * `airstep tasks <run>`: the task instances of a run (run id or a unique prefix), as the grid `run` ends with.
 * Local runs, or with `--stack` / `--outputs` the deployed stack's runs (a mapped task's instances as
 * `task[<index>]` rows after it, as locally); a run id is unique per DAG there, so
 * `--dag` narrows the search (without it every DAG the dags table holds is searched).
 */
export function registerTasksCommand(program: Command): void {
  cloudStackOptions(
    program
      .command('tasks')
      .description('show the task instances of a run (local, or of the deployed stack with --stack / --outputs)')
      .argument('<run>', 'run id, or a unique prefix of it')
      .option('--dag <id>', 'the DAG of the run (deployed runs)'),
  )
    .option('--json', 'print one JSON document')
    .action(async (runId: string, options: TasksOptions) => {
      process.exitCode = wantsCloud(options) ? await cloudTasks(runId, options) : await localTasks(runId, options);
    });
}

async function localTasks(runId: string, options: TasksOptions): Promise<number> {
  const store = new LocalStore();
  const run = await store.findRun(runId);
  if (run === undefined) {
    console.error(colours(process.stderr).red(`no local run '${runId}' (see airstep runs)`));
    return EXIT.usage;
  }
  const tasks = await store.tasks(run.dagId, run.runId);
  if (options.json === true) {
    printJson({ run, tasks });
    return EXIT.ok;
  }
  console.log(`${run.dagId} › ${run.runId} (${run.state})`);
  process.stdout.write(runGrid(colours(), tasks));
  return EXIT.ok;
}

async function cloudTasks(runId: string, options: TasksOptions): Promise<number> {
  const refuse = refuser(options.json, colours(process.stderr).red);
  const stack = await resolveCloudStack(options);
  if (!stack.ok) return refuse(stack.message);
  // The DynamoDB client loads only when a command reads the deployed tables.
  const [{ dynamoClient, listLatestDagRecords }, { findRuns, listTaskInstances }] = await Promise.all([
    import('../dynamo/dag-record.ts'),
    import('../runs/run-history.ts'),
  ]);
  const dynamo = dynamoClient();
  const { dagsTable, runsTable, taskInstancesTable, source } = stack.value;
  const dagIds =
    options.dag !== undefined
      ? [options.dag]
      : (await listLatestDagRecords(dynamo, dagsTable)).map((record) => record.dagId);
  const found = (await Promise.all(dagIds.map((dagId) => findRuns(dynamo, runsTable, dagId, runId)))).flat();
  const exact = found.filter((run) => run.runId === runId);
  const matches = exact.length > 0 ? exact : found;
  const where = options.dag !== undefined ? `${options.dag} in ${source}` : source;
  if (matches.length === 0) return refuse(`no run '${runId}' of ${where} (see airstep runs)`);
  if (matches.length > 1) {
    return refuse(
      `'${runId}' matches ${matches.length} runs of ${where}: ${matches.map((run) => `${run.dagId} › ${run.runId}`).join(', ')}; ` +
        'give the whole run id, or --dag',
    );
  }
  const run = matches[0]!;
  const tasks = await listTaskInstances(dynamo, taskInstancesTable, run.dagId, run.runId);
  if (options.json === true) {
    printJson({ run, tasks });
    return EXIT.ok;
  }
  const c = colours();
  console.log(`${run.dagId} › ${run.runId} (${run.state})`);
  process.stdout.write(
    runGrid(
      c,
      tasks.map((task) => ({ ...task, tries: task.tries ?? 0 })),
    ),
  );
  for (const task of tasks) {
    const name = task.mapIndex >= 0 ? `${task.taskId}[${task.mapIndex}]` : task.taskId;
    if (task.error !== undefined) console.log(c.red(`${name}: ${task.error}`));
  }
  // The recorder writes task instances when the run ends; until then the execution shows them.
  if (tasks.length === 0 && run.executionArn !== undefined) {
    const region = run.executionArn.split(':')[3] ?? '';
    console.log(c.dim(`no task records until the run ends; see ${executionConsoleLink(region, run.executionArn)}`));
  }
  return EXIT.ok;
}
