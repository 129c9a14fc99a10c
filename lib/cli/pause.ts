import type { Command } from 'commander';
import type { PauseResult, UnpauseResult } from '../dag-sync/pause-dag.ts';
import { AirstepError } from '../errors/airstep-error.ts';
import { LocalStore } from '../local/local-store.ts';
import {
  type CloudStack,
  type CloudStackOptions,
  cloudStackOptions,
  resolveCloudStack,
  wantsCloud,
} from './cloud-stack.ts';
import { compileFiles } from './compile-files.ts';
import { colours, EXIT, printJson } from './output.ts';
import { refuser } from './run-input.ts';
import { startQueuedRuns } from './start-queued-runs.ts';

type PauseOptions = CloudStackOptions & { json?: boolean; dags?: string };

/**
 * `airstep pause <dag>` / `airstep unpause <dag>`, as Airflow's `dags pause` / `dags unpause`: a paused DAG
 * creates no scheduled runs, and `airstep trigger` refuses it unless `--force`. With `--stack` / `--outputs`
 * the deployed DAG (its record marked, its EventBridge schedules DISABLED / ENABLED, the runs missed while
 * paused handed to the trigger on unpause, see lib/dag-sync/pause-dag.ts); without, the local store
 * (`.airstep/dags/<dag>.json`), which `airstep dev`'s scheduler reads before every fire. `airstep run` is not
 * affected (as `airflow dags test`). An unknown DAG: exit 2, nothing changed.
 */
export function registerPauseCommand(program: Command): void {
  register(program, 'pause', 'pause a DAG: no scheduled runs until it is unpaused (local, or deployed with --stack)');
}

export function registerUnpauseCommand(program: Command): void {
  register(program, 'unpause', 'unpause a DAG: its schedules fire again, missed runs as catchup says');
}

function register(program: Command, name: 'pause' | 'unpause', description: string): void {
  cloudStackOptions(program.command(name).description(description).argument('<dag>', 'DAG id'))
    .option('--dags <path>', 'where the local DAG files are (without --stack)', 'dags')
    .option('--json', 'print one JSON document')
    .action(async (dagId: string, options: PauseOptions) => {
      process.exitCode = await (wantsCloud(options)
        ? changeDeployed(name, dagId, options)
        : changeLocal(name, dagId, options));
    });
}

async function changeLocal(name: 'pause' | 'unpause', dagId: string, options: PauseOptions): Promise<number> {
  const refuse = refuser(options.json, colours(process.stderr).red);
  const path = options.dags ?? 'dags';
  const ids = (await compileFiles([path])).flatMap((file) => file.compiled.map((dag) => dag.ir.dagId));
  if (!ids.includes(dagId)) {
    return refuse(`no DAG '${dagId}' in ${path} (found: ${ids.join(', ') || 'none'}); nothing changed`);
  }
  const store = new LocalStore();
  const state = await store.dagState(dagId);
  const pausedAt = name === 'pause' ? (state.pausedAt ?? new Date().toISOString()) : undefined;
  const changed = (state.pausedAt !== undefined) !== (name === 'pause');
  if (changed) await store.saveDagState({ dagId, ...(pausedAt !== undefined ? { pausedAt } : {}) });
  const c = colours();
  const quiet = options.json === true;
  if (!quiet) {
    if (!changed)
      console.log(c.dim(`${dagId} was ${name === 'pause' ? `already paused (since ${pausedAt})` : 'not paused'}`));
    else if (name === 'pause') console.log(`${c.yellow('paused')} ${dagId}: airstep dev starts no scheduled run of it`);
    else console.log(`${c.green('unpaused')} ${dagId}: airstep dev schedules it again (missed runs as catchup says)`);
  }
  // Runs left queued (triggered while it was paused, by commands that have ended) start now, as Airflow's do.
  const queued = name === 'unpause' ? await startQueuedRuns(store, dagId, c, quiet) : undefined;
  for (const problem of queued?.problems ?? [])
    if (!quiet) console.error(c.red(`  queued runs not started: ${problem}`));
  if (quiet)
    printJson({
      dagId,
      where: store.root,
      paused: pausedAt !== undefined,
      changed,
      ...(pausedAt ? { pausedAt } : {}),
      ...(queued !== undefined ? { startedQueuedRuns: queued.started } : {}),
      ...(queued !== undefined && queued.problems.length > 0 ? { problems: queued.problems } : {}),
    });
  return EXIT.ok;
}

async function changeDeployed(name: 'pause' | 'unpause', dagId: string, options: PauseOptions): Promise<number> {
  const refuse = refuser(options.json, colours(process.stderr).red);
  const stack = await resolveCloudStack(options);
  if (!stack.ok) return refuse(stack.message);
  // The AWS clients load only when a deployed DAG is changed.
  const [{ dynamoClient }, { SchedulerClient }, pauseDag] = await Promise.all([
    import('../dynamo/dag-record.ts'),
    import('@aws-sdk/client-scheduler'),
    import('../dag-sync/pause-dag.ts'),
  ]);
  const deps = {
    dynamo: dynamoClient(),
    dagsTable: stack.value.dagsTable,
    scheduler: new SchedulerClient({}),
    scheduleGroup: stack.value.scheduleGroup,
  };
  let result: PauseResult | UnpauseResult;
  try {
    result =
      name === 'pause'
        ? await pauseDag.pauseDeployedDag(dagId, deps)
        : await pauseDag.unpauseDeployedDag(dagId, { ...deps, ...(await lambdaTriggerOf(stack.value)) });
  } catch (error) {
    // A record that kept changing, or a trigger that failed on a missed run (unpaused; run unpause again).
    if (!(error instanceof AirstepError)) throw error;
    if (options.json === true) printJson({ ok: false, dagId, error: error.message });
    else console.error(colours(process.stderr).red(error.message));
    return EXIT.problems;
  }
  if (result.outcome === 'unknown-dag') {
    return refuse(`no DAG '${dagId}' is deployed in ${stack.value.source} (see airstep list --stack); nothing changed`);
  }
  if (options.json === true) {
    printJson({ where: stack.value.source, paused: name === 'pause', ...result });
    return EXIT.ok;
  }
  printChange(result);
  return EXIT.ok;
}

/** The trigger Lambda, for the runs an unpause starts: the missed intervals and the runs queued while paused. */
async function lambdaTriggerOf(stack: CloudStack) {
  const [{ LambdaClient }, { lambdaTrigger, lambdaResumeQueued }, { hasQueuedRuns }, { dynamoClient }] =
    await Promise.all([
      import('@aws-sdk/client-lambda'),
      import('../dag-sync/trigger-client.ts'),
      import('../runs/queued-run-check.ts'),
      import('../dynamo/dag-record.ts'),
    ]);
  const lambda = new LambdaClient({});
  const resume = lambdaResumeQueued(lambda, stack.triggerFunction);
  return {
    trigger: lambdaTrigger(lambda, stack.triggerFunction),
    // The trigger is asked only when some run waits: most unpauses have nothing queued.
    resumeQueued: async (dagId: string) =>
      (await hasQueuedRuns(dynamoClient(), stack.runsTable, dagId)) ? resume(dagId) : [],
  };
}

function printChange(result: Exclude<PauseResult | UnpauseResult, { outcome: 'unknown-dag' }>): void {
  const c = colours();
  const schedules = `${result.schedules.length} schedule(s)`;
  switch (result.outcome) {
    case 'paused':
      console.log(`${c.yellow('paused')} ${result.dagId}: ${schedules} disabled; scheduled fires are skipped`);
      break;
    case 'already-paused':
      console.log(c.dim(`${result.dagId} was already paused (since ${result.pausedAt}); ${schedules} disabled now`));
      break;
    case 'unpaused':
    case 'not-paused':
      console.log(
        result.outcome === 'unpaused'
          ? `${c.green('unpaused')} ${result.dagId}: ${schedules} enabled`
          : c.dim(`${result.dagId} was not paused; ${schedules} enabled now`),
      );
      if (result.disabled) console.log(c.dim(`  its file is deleted: it stays disabled until the file is uploaded`));
      for (const runId of result.resumed ?? []) console.log(`  started ${runId} (queued while paused)`);
      for (const round of result.catchup ?? []) {
        const answers = Object.entries(round.answers)
          .map(([outcome, count]) => `${count} ${outcome}`)
          .join(', ');
        const dates = round.logicalDates !== undefined ? ` ${round.logicalDates[0]} … ${round.logicalDates[1]}` : '';
        console.log(`  missed while paused:${dates}: ${answers}`);
      }
      break;
  }
}
