import type { Command } from 'commander';
import { describeCondition } from '../compiler/asset-ir.ts';
import { LocalStore } from '../local/local-store.ts';
import { type CloudStackOptions, cloudStackOptions, resolveCloudStack, wantsCloud } from './cloud-stack.ts';
import { compileFiles } from './compile-files.ts';
import { outlineOfIr } from './dag-outline.ts';
import { nextRunOf } from './next-run.ts';
import { colours, EXIT, printJson } from './output.ts';
import { renderTable } from './render-table.ts';
import { refuser } from './run-input.ts';

type ListOptions = CloudStackOptions & { json?: boolean };

/**
 * `airstep list [paths…]`: DAG ids, schedules, task counts and import errors of DAG files, with whether each is
 * paused, the state of its newest run and when its next scheduled run is created (none while paused), from the
 * local store; with `--stack` / `--outputs`, the deployed DAGs and the import errors dag-sync recorded
 * (lib/cli/deployed-dags.ts). Exit 1 when there
 * is an import error.
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
  const store = new LocalStore();
  const now = new Date();
  const local = new Map<string, { paused: boolean; lastRun?: { runId: string; state: string } }>();
  for (const dag of files.flatMap((file) => file.compiled)) {
    const paused = (await store.dagState(dag.ir.dagId)).pausedAt !== undefined;
    const last = (await store.runs(dag.ir.dagId))[0];
    local.set(dag.ir.dagId, {
      paused,
      ...(last !== undefined ? { lastRun: { runId: last.runId, state: last.state } } : {}),
    });
  }
  const dags = files.flatMap((file) =>
    file.compiled.map((dag) => ({
      dagId: dag.ir.dagId,
      file: file.file,
      schedule: dag.ir.schedule.expression,
      // The assets it runs on (`(a & b) | c`), besides `schedule` when it has one too.
      ...(dag.ir.assets !== undefined ? { assets: describeCondition(dag.ir.assets) } : {}),
      timezone: dag.ir.schedule.timezone,
      tasks: dag.ir.tasks.length,
      tags: dag.ir.tags,
      ...(dag.ir.owner !== undefined ? { owner: dag.ir.owner } : {}),
      ...(dag.ir.description !== undefined ? { description: dag.ir.description } : {}),
      ...(dag.ir.doc !== undefined ? { doc: dag.ir.doc } : {}),
      // What a trigger's conf may set, with the author's descriptions (the manifest's params schema has them too).
      params: dag.ir.params,
      // The CloudWatch alarms dag-sync makes for it when deployed (none locally).
      ...(dag.ir.alarms !== undefined ? { alarms: dag.ir.alarms } : {}),
      // Its tasks and groups as the graph and grid show them (`airstep ui` reads these).
      graph: outlineOfIr(dag.ir),
      problems: dag.problems.length,
      paused: local.get(dag.ir.dagId)!.paused,
      lastRun: local.get(dag.ir.dagId)!.lastRun ?? null,
      nextRun: local.get(dag.ir.dagId)!.paused ? null : nextRunOf(dag.ir.schedule, now),
    })),
  );
  const importErrors = files.flatMap((file) => file.loaded.errors);
  if (options.json === true) {
    printJson({ dags, importErrors });
  } else {
    const c = colours();
    const width = Math.max(6, ...dags.map((dag) => dag.dagId.length));
    const head = ['dag_id'.padEnd(width), 'schedule'.padEnd(18), 'tasks', 'paused', 'last_run'.padEnd(15)];
    console.log(c.bold(`${head.join('  ')}  ${'next_run'.padEnd(25)}  file`));
    for (const dag of dags) {
      const timed = dag.schedule ?? (dag.assets !== undefined ? undefined : 'manual');
      const schedule = [timed, dag.assets !== undefined ? 'assets' : undefined]
        .filter((part) => part !== undefined)
        .join(' + ')
        .padEnd(18);
      const flag = dag.problems > 0 ? c.red(` (${dag.problems} problem(s))`) : '';
      const paused = (dag.paused ? 'yes' : 'no').padEnd(6);
      const last = (dag.lastRun?.state ?? '-').padEnd(15);
      const next = (dag.nextRun?.runAfter ?? '-').padEnd(25);
      console.log(
        `${dag.dagId.padEnd(width)}  ${schedule}  ${String(dag.tasks).padStart(5)}  ${paused}  ${last}  ${next}  ${dag.file}${flag}`,
      );
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
  // The AWS SDK clients load only when the deployed DAGs are listed.
  const [{ dynamoClient }, { S3Client }, { readDeployedDags }] = await Promise.all([
    import('../dynamo/dag-record.ts'),
    import('@aws-sdk/client-s3'),
    import('./deployed-dags.ts'),
  ]);
  const { dags, importErrors } = await readDeployedDags(
    stack.value,
    { dynamo: dynamoClient(), s3: new S3Client({}) },
    new Date(),
  );
  if (options.json === true) {
    printJson({ dags, importErrors });
  } else {
    const c = colours();
    process.stdout.write(
      renderTable(
        ['dag_id', 'schedule', 'version', 'state', 'last_run', 'next_run', 'file'],
        dags.map((dag) => [
          dag.dagId,
          // A DAG on assets says its condition, after its time schedule when it has both.
          [dag.schedule ?? (dag.assets !== undefined ? undefined : 'manual'), dag.assets && `on assets: ${dag.assets}`]
            .filter((part) => part !== undefined)
            .join(' or '),
          dag.version,
          dag.disabled ? 'disabled' : dag.paused ? pausedText(dag.pausedFires?.count) : 'live',
          dag.lastRun?.state ?? '-',
          dag.nextRun?.runAfter ?? '-',
          dag.file,
        ]),
        (row, column, text) =>
          column === 3 && dags[row]!.disabled ? c.dim(text) : column === 3 && dags[row]!.paused ? c.yellow(text) : text,
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

/** `paused`, with the schedule fires skipped since the pause when there were any. */
function pausedText(skipped: number | undefined): string {
  return skipped !== undefined && skipped > 0 ? `paused (${skipped} fire(s) skipped)` : 'paused';
}
