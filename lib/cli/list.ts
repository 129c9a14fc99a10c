import type { Command } from 'commander';
import { type CloudStackOptions, cloudStackOptions, resolveCloudStack, wantsCloud } from './cloud-stack.ts';
import { compileFiles } from './compile-files.ts';
import { colours, EXIT, printJson } from './output.ts';
import { renderTable } from './render-table.ts';
import { refuser } from './run-input.ts';

type ListOptions = CloudStackOptions & { json?: boolean };

/**
 * `airstep list [paths…]`: DAG ids, schedules, task counts and import errors of DAG files; with `--stack` /
 * `--outputs`, the deployed DAGs (the LATEST record of each in the dags table) and the import errors dag-sync
 * recorded. Exit 1 when there is an import error.
 */
export function registerListCommand(program: Command): void {
  cloudStackOptions(
    program
      .command('list')
      .description('list DAGs with their schedules and task counts, and files that failed to import')
      .argument('[paths...]', 'DAG files or folders (default: dags)'),
  )
    .option('--json', 'print one JSON document')
    .action(async (paths: string[], options: ListOptions) => {
      process.exitCode = wantsCloud(options)
        ? await listDeployed(paths, options)
        : await listFiles(paths.length > 0 ? paths : ['dags'], options);
    });
}

async function listFiles(paths: string[], options: ListOptions): Promise<number> {
  const files = await compileFiles(paths);
  const dags = files.flatMap((file) =>
    file.compiled.map((dag) => ({
      dagId: dag.ir.dagId,
      file: file.file,
      schedule: dag.ir.schedule.expression,
      timezone: dag.ir.schedule.timezone,
      tasks: dag.ir.tasks.length,
      tags: dag.ir.tags,
      ...(dag.ir.owner !== undefined ? { owner: dag.ir.owner } : {}),
      ...(dag.ir.description !== undefined ? { description: dag.ir.description } : {}),
      // What a trigger's conf may set, with the author's descriptions (the manifest's params schema has them too).
      params: dag.ir.params,
      // The CloudWatch alarms dag-sync makes for it when deployed (none locally).
      ...(dag.ir.alarms !== undefined ? { alarms: dag.ir.alarms } : {}),
      problems: dag.problems.length,
    })),
  );
  const importErrors = files.flatMap((file) => file.loaded.errors);
  if (options.json === true) {
    printJson({ dags, importErrors });
  } else {
    const c = colours();
    const width = Math.max(6, ...dags.map((dag) => dag.dagId.length));
    console.log(c.bold(`${'dag_id'.padEnd(width)}  ${'schedule'.padEnd(18)}  tasks  file`));
    for (const dag of dags) {
      const schedule = (dag.schedule ?? 'manual').padEnd(18);
      const flag = dag.problems > 0 ? c.red(` (${dag.problems} problem(s))`) : '';
      console.log(`${dag.dagId.padEnd(width)}  ${schedule}  ${String(dag.tasks).padStart(5)}  ${dag.file}${flag}`);
    }
    for (const error of importErrors) {
      console.log(
        c.red(`import error: ${error.file}${error.line !== undefined ? `:${error.line}` : ''}: ${error.message}`),
      );
    }
  }
  return importErrors.length === 0 ? EXIT.ok : EXIT.problems;
}

async function listDeployed(paths: string[], options: ListOptions): Promise<number> {
  const refuse = refuser(options.json, colours(process.stderr).red);
  if (paths.length > 0) {
    return refuse(`list --stack / --outputs lists the deployed DAGs; it takes no paths (got ${paths.join(' ')})`);
  }
  const stack = await resolveCloudStack(options);
  if (!stack.ok) return refuse(stack.message);
  // The DynamoDB client loads only when the deployed DAGs are listed.
  const [{ dynamoClient, listLatestDagRecords }, { listImportErrors }] = await Promise.all([
    import('../dynamo/dag-record.ts'),
    import('../dynamo/import-error-records.ts'),
  ]);
  const dynamo = dynamoClient();
  const [records, importErrors] = await Promise.all([
    listLatestDagRecords(dynamo, stack.value.dagsTable),
    listImportErrors(dynamo, stack.value.importErrorsTable),
  ]);
  const dags = records.map((record) => ({
    dagId: record.dagId,
    file: record.file,
    schedule: record.schedule.expression,
    timezone: record.schedule.timezone,
    version: record.dagVersion,
    disabled: record.disabled,
    updatedAt: record.updatedAt,
  }));
  if (options.json === true) {
    printJson({ dags, importErrors });
  } else {
    const c = colours();
    process.stdout.write(
      renderTable(
        ['dag_id', 'schedule', 'version', 'state', 'file'],
        dags.map((dag) => [
          dag.dagId,
          dag.schedule ?? 'manual',
          dag.version,
          dag.disabled ? 'disabled' : 'live',
          dag.file,
        ]),
        (row, column, text) => (column === 3 && dags[row]!.disabled ? c.dim(text) : text),
      ),
    );
    if (dags.length === 0) console.log(c.dim(`no DAGs deployed in ${stack.value.source} yet (airstep sync)`));
    for (const error of importErrors) {
      const messages = error.errors.length > 0 ? error.errors : [error.file];
      for (const message of messages) console.log(c.red(`import error: ${message}`));
    }
  }
  return importErrors.length === 0 ? EXIT.ok : EXIT.problems;
}
