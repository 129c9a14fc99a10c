import type { Command } from 'commander';
import { LocalStore } from '../local/local-store.ts';
import { type CloudStackOptions, cloudStackOptions, resolveCloudStack, wantsCloud } from './cloud-stack.ts';
import { colours, EXIT, printJson } from './output.ts';
import { refuser } from './run-input.ts';

type Colours = ReturnType<typeof colours>;

/**
 * `airstep runs [dag]`: runs, newest first: local runs, or with `--stack` / `--outputs` the deployed stack's
 * runs table (one Query per DAG: the DAG given, or every DAG the dags table holds).
 */
export function registerRunsCommand(program: Command): void {
  cloudStackOptions(
    program
      .command('runs')
      .description('list runs, newest first (local, or of the deployed stack with --stack / --outputs)')
      .argument('[dag]', 'only this DAG'),
  )
    .option('--json', 'print one JSON document')
    .action(async (dagId: string | undefined, options: CloudStackOptions & { json?: boolean }) => {
      process.exitCode = wantsCloud(options) ? await cloudRuns(dagId, options) : await localRuns(dagId, options);
    });
}

async function localRuns(dagId: string | undefined, options: { json?: boolean }): Promise<number> {
  const store = new LocalStore();
  await store.recoverInterrupted();
  const runs = await store.runs(dagId);
  if (options.json === true) {
    printJson({ runs });
    return EXIT.ok;
  }
  const c = colours();
  if (runs.length === 0) console.log(c.dim('no local runs yet (airstep run <file>)'));
  for (const run of runs) console.log(runLine(c, run));
  return EXIT.ok;
}

async function cloudRuns(dagId: string | undefined, options: CloudStackOptions & { json?: boolean }): Promise<number> {
  const stack = await resolveCloudStack(options);
  if (!stack.ok) return refuser(options.json, colours(process.stderr).red)(stack.message);
  // The DynamoDB client loads only when a command reads the deployed tables.
  const [{ dynamoClient, listLatestDagRecords }, { listRuns, newestFirst }] = await Promise.all([
    import('../dynamo/dag-record.ts'),
    import('../runs/run-history.ts'),
  ]);
  const dynamo = dynamoClient();
  const dagIds =
    dagId !== undefined
      ? [dagId]
      : (await listLatestDagRecords(dynamo, stack.value.dagsTable)).map((record) => record.dagId);
  const runs = newestFirst((await Promise.all(dagIds.map((id) => listRuns(dynamo, stack.value.runsTable, id)))).flat());
  if (options.json === true) {
    printJson({ runs });
    return EXIT.ok;
  }
  const c = colours();
  if (runs.length === 0) {
    console.log(c.dim(`no runs${dagId !== undefined ? ` of ${dagId}` : ''} in ${stack.value.source} yet`));
  }
  for (const run of runs) console.log(runLine(c, run));
  return EXIT.ok;
}

/** `<dag>  <run id>  <state>  <started>`, the same for local and deployed runs (`-`: not started yet). */
function runLine(c: Colours, run: { dagId: string; runId: string; state: string; startedAt?: string }): string {
  const state =
    run.state === 'success'
      ? c.green(run.state)
      : run.state === 'running' || run.state === 'queued'
        ? c.yellow(run.state)
        : c.red(run.state);
  return `${run.dagId}  ${run.runId}  ${state}  ${run.startedAt ?? '-'}`;
}
