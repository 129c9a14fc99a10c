import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DagRecord, readDagRecord } from '../dynamo/dag-record.ts';
import { type CloudRun, listRuns } from '../runs/run-history.ts';
import type { ClearEvent } from '../runs/trigger-event.ts';
import type { TriggerEvent } from '../runs/trigger-run.ts';
import { resolveParams } from '../runtime/params.ts';
import { backfillIntervals, type RunInterval, runId } from '../schedule/index.ts';
import {
  type BackfillRun,
  backfillPlanTable,
  backfillSucceeded,
  backfillSummary,
} from './backfill/backfill-summary.ts';
import { backfillDecision, readReprocess } from './backfill/reprocess.ts';
import { waitForRuns } from './backfill/wait-for-runs.ts';
import type { BackfillOptions } from './backfill.ts';
import { planCloudClear } from './cloud-clear.ts';
import { type CloudStack, resolveCloudStack } from './cloud-stack.ts';
import { colours, EXIT, printJson } from './output.ts';
import { formatDuration } from './render-grid.ts';
import { readConf, refuser } from './run-input.ts';
import { paintState } from './run-output.ts';
import { invokeTrigger } from './trigger.ts';

/**
 * The most runs one cloud backfill asks for: each is one RequestResponse Invoke of the trigger, made one after
 * the other (so the queue keeps their order), and the CLI waits on all of them.
 */
export const CLOUD_BACKFILL_LIMIT = 1000;

/** How often the CLI reads the runs while it waits (one Query of the DAG's runs per read). */
const POLL_MS = 2000;

/**
 * `airstep backfill <dag> --from D --to D --stack|--outputs`: a backfill of a deployed DAG. The schedule comes
 * from the DAG record dag-sync wrote (the user may not have the file); the intervals and run ids are the local
 * backfill's (`backfillIntervals`, `backfill__<logical date>`). Each run is asked of the stack's trigger Lambda
 * as a `backfill` event, one after the other in backfill order, so `maxActiveRuns`, the queue (the recorder
 * starts the next queued run when one ends), duplicates and params are decided where every other run's are;
 * nothing here starts an execution. Then it waits for the runs to end and prints the local backfill's summary,
 * or returns at once with `--no-wait`. Ctrl-C while waiting stops the waiting only: the runs go on.
 */
export async function cloudBackfill(dagId: string, options: BackfillOptions): Promise<number> {
  const c = colours();
  const refuse = refuser(options.json, colours(process.stderr).red);
  const { from, to } = options;
  if (from === undefined || to === undefined) return refuse('backfill needs both --from DATE and --to DATE');
  if (options.speed !== undefined)
    return refuse('--speed is for the local engine; a deployed DAG runs at its own pace');
  if (options.emulator !== undefined) return refuse('--emulator / --no-emulator are for the local engine');
  if (options.dag !== undefined) {
    return refuse(
      `--dag is for a file holding several DAGs; with --stack or --outputs name the DAG: backfill ${options.dag}`,
    );
  }
  const reprocess = readReprocess(options.reprocess);
  if (!reprocess.ok) return refuse(reprocess.message);
  const conf = await readConf(options.conf);
  if (!conf.ok) return refuse(conf.message);
  const stack = await resolveCloudStack(options);
  if (!stack.ok) return refuse(stack.message);

  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const dynamo = new DynamoDBClient({});
  const dag = await readDagRecord(dynamo, stack.value.dagsTable, dagId);
  if (dag === undefined) return refuse(`no DAG '${dagId}' is deployed (${stack.value.source})`);
  if (dag.disabled) return refuse(`DAG ${dagId} is disabled (its file was deleted): nothing to backfill`);
  // The trigger checks the conf too; checked here first so that a bad conf starts nothing at all.
  const params = resolveParams(dag.params, conf.value);
  if (!params.ok)
    return refuse(params.problems.map((p) => `${dag.file} › dag ${dagId} › ${p.field}: ${p.message}`).join('\n'));
  const planned = plannedIntervals(dag, from, to, options.reverse === true);
  if (!planned.ok) return refuse(planned.message);

  const existing = new Map((await listRuns(dynamo, stack.value.runsTable, dagId)).map((run) => [run.runId, run]));
  const runs: BackfillRun[] = planned.value.map((interval) => ({
    runId: runId('backfill', interval.logicalDate),
    logicalDate: interval.logicalDate,
    dataIntervalStart: interval.dataIntervalStart,
    dataIntervalEnd: interval.dataIntervalEnd,
    state: 'planned',
  }));
  const reruns: BackfillRun[] = [];
  for (const run of runs) {
    const decision = backfillDecision(existing.get(run.runId)?.state, reprocess.value);
    if (decision.action === 'skip') {
      run.state = 'skipped';
      run.note = decision.note;
    } else if (decision.rerun) reruns.push(run);
  }
  // A run id names its Step Functions execution: an existing run runs again as a clear of all its tasks (as
  // Airflow's reprocessing clears the run), planned here so that one that cannot be cleared starts nothing at all.
  const clears = new Map<string, ClearEvent>();
  if (reruns.length > 0) {
    const { S3Client } = await import('@aws-sdk/client-s3');
    const { SFNClient } = await import('@aws-sdk/client-sfn');
    const clients = { dynamo, sfn: new SFNClient({}), s3: new S3Client({}) };
    for (const run of reruns) {
      const planned = await planCloudClear(run.runId, { wholeRun: true, dag: dagId }, stack.value, clients);
      if (!planned.ok) return refuse(`--reprocess ${reprocess.value}: ${planned.message}; nothing started`);
      clears.set(run.runId, planned.value.event);
    }
  }

  const say = (line: string) => {
    if (options.json !== true) console.log(line);
  };
  const toStart = runs.filter((run) => run.state === 'planned');
  if (options.dryRun === true) {
    if (options.json === true) printJson({ dagId, runs });
    else {
      say(
        c.bold(
          `${dagId}: ${toStart.length} run${toStart.length === 1 ? '' : 's'} from ${from} to ${to} (dry run: nothing starts)`,
        ),
      );
      process.stdout.write(backfillPlanTable(toStart));
      for (const run of reruns)
        say(`  ${c.dim('again')}   ${run.runId} ${c.dim(`(${existing.get(run.runId)!.state}; cleared whole)`)}`);
      for (const run of runs)
        if (run.state === 'skipped') say(`  ${c.dim('skipped')} ${run.runId} ${c.dim(`(${run.note})`)}`);
    }
    return EXIT.ok;
  }

  say(
    c.bold(
      `${dagId}: backfill of ${runs.length} run${runs.length === 1 ? '' : 's'} on ${stack.value.source}, ` +
        `${dag.maxActiveRuns} at a time (the rest wait in the queue)`,
    ),
  );
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const started = await startRuns(
      stack.value,
      dag,
      runs,
      clears,
      conf.value,
      options.conf !== undefined,
      interrupt.signal,
      say,
      c,
    );
    if (started !== 'ok') {
      for (const run of runs) if (run.state === 'planned') run.state = 'not_started';
      // Refused before anything started: bad input, nothing changed.
      if (started === 'refused' && runs.every((run) => run.state !== 'queued' && run.state !== 'running')) {
        if (options.json === true) printJson({ dagId, ok: false, runs });
        return EXIT.usage;
      }
      return finish(c, dagId, runs, options, EXIT.problems);
    }
    const mine = runs.filter((run) => run.state === 'queued' || run.state === 'running');
    if (options.wait === false || mine.length === 0) {
      if (options.json === true) printJson({ dagId, ok: true, waited: false, runs });
      else if (mine.length > 0) say(`not waiting: follow them with \`airstep runs ${dagId} ${cloudArgs(options)}\``);
      else process.stdout.write(backfillSummary(c, runs));
      return mine.length === 0 && !backfillSucceeded(runs) ? EXIT.problems : EXIT.ok;
    }
    say(`waiting for ${mine.length} run${mine.length === 1 ? '' : 's'} (Ctrl-C stops waiting; the runs go on)`);
    const last = await waitForRuns({
      runIds: mine.map((run) => run.runId),
      read: () => readRuns(dynamo, stack.value.runsTable, dagId),
      onEnded: (record) => {
        const run = mine.find((r) => r.runId === record.runId)!;
        settle(run, record);
        say(
          `  ${paintState(c, run.state, run.state.padEnd(7))} ${run.runId} ${c.dim(run.durationMs !== undefined ? formatDuration(run.durationMs) : '')}`,
        );
      },
      signal: interrupt.signal,
      pollMs: POLL_MS,
    });
    for (const run of mine) {
      const record = last.get(run.runId);
      if (record !== undefined) settle(run, record);
    }
    if (interrupt.signal.aborted) {
      const going = mine.filter((run) => run.state === 'queued' || run.state === 'running').length;
      say(
        c.yellow(
          `stopped waiting: ${going} run(s) go on in the cloud; follow them with \`airstep runs ${dagId} ${cloudArgs(options)}\``,
        ),
      );
    }
    return finish(c, dagId, runs, options, backfillSucceeded(runs) ? EXIT.ok : EXIT.problems);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The intervals of the deployed schedule in the range, or why there are none to backfill. */
function plannedIntervals(
  dag: DagRecord,
  from: string,
  to: string,
  reverse: boolean,
): { ok: true; value: RunInterval[] } | { ok: false; message: string } {
  let intervals: RunInterval[];
  try {
    intervals = backfillIntervals(dag.schedule, from, to, { reverse, limit: CLOUD_BACKFILL_LIMIT });
  } catch (error) {
    const field = (error as { field?: string }).field ?? 'schedule';
    return { ok: false, message: `${dag.file} › dag ${dag.dagId} › ${field}: ${(error as Error).message}` };
  }
  if (intervals.length === 0) {
    return {
      ok: false,
      message:
        `${dag.file} › dag ${dag.dagId} › schedule: no interval of ${JSON.stringify(dag.schedule.expression)} ` +
        `(${dag.schedule.timezone}) has its logical date from ${from} to ${to}; nothing to backfill`,
    };
  }
  return { ok: true, value: intervals };
}

/**
 * Asks the trigger for each planned run, in backfill order. 'ok' when every run got an answer that created it
 * or found it; 'refused' when the trigger refused one (the rest are not asked); 'failed' when the trigger could
 * not be invoked; 'interrupted' on Ctrl-C (runs already asked for go on).
 */
async function startRuns(
  stack: CloudStack,
  dag: DagRecord,
  runs: BackfillRun[],
  /** The clears that run existing runs again (`--reprocess`), by run id. */
  clears: ReadonlyMap<string, ClearEvent>,
  conf: Record<string, unknown>,
  hasConf: boolean,
  signal: AbortSignal,
  say: (line: string) => void,
  c: ReturnType<typeof colours>,
): Promise<'ok' | 'refused' | 'failed' | 'interrupted'> {
  const e = colours(process.stderr);
  for (const run of runs) {
    if (run.state === 'skipped') {
      say(`  ${c.dim('skipped')} ${run.runId} ${c.dim(`(${run.note})`)}`);
      continue;
    }
    if (signal.aborted) return 'interrupted';
    const again = clears.get(run.runId);
    const event: TriggerEvent = again ?? {
      kind: 'backfill',
      dagId: dag.dagId,
      logicalDate: run.logicalDate,
      ...(hasConf ? { conf } : {}),
    };
    const invoked = await invokeTrigger(stack.triggerFunction, event);
    if (!invoked.ok) {
      console.error(e.red(invoked.message));
      return 'failed';
    }
    const result = invoked.value;
    switch (result.outcome) {
      case 'started':
        run.state = 'running';
        run.executionArn = result.executionArn;
        say(`  ${c.yellow('started')} ${run.runId}${again !== undefined ? c.dim(' (again, as a clear)') : ''}`);
        break;
      case 'queued':
        run.state = 'queued';
        say(
          `  ${c.yellow('queued ')} ${run.runId} ${c.dim(`(${result.activeRuns} active${again !== undefined ? '; again, as a clear' : ''})`)}`,
        );
        break;
      case 'duplicate': {
        // Created by someone else since the runs were read.
        const decision = backfillDecision(result.state as CloudRun['state'], 'none');
        run.state = 'skipped';
        run.note = decision.action === 'skip' ? decision.note : 'running';
        say(`  ${c.dim('skipped')} ${run.runId} ${c.dim(`(${run.note})`)}`);
        break;
      }
      case 'refused':
        console.error(e.red(`refused ${run.runId}: ${result.problems.join('; ')}`));
        return 'refused';
      case 'skipped':
        console.error(e.red(`the trigger started no run for ${run.runId}: ${result.reason}`));
        return 'refused';
    }
  }
  return 'ok';
}

/** The backfill's runs as the runs table holds them now. */
async function readRuns(dynamo: DynamoDBClient, table: string, dagId: string): Promise<Map<string, CloudRun>> {
  return new Map((await listRuns(dynamo, table, dagId)).map((run) => [run.runId, run]));
}

/** A run's state and duration from its record. */
function settle(run: BackfillRun, record: CloudRun): void {
  run.state = record.state;
  if (record.executionArn !== undefined) run.executionArn = record.executionArn;
  if (record.startedAt !== undefined && record.endedAt !== undefined) {
    run.durationMs = Date.parse(record.endedAt) - Date.parse(record.startedAt);
  }
}

function finish(
  c: ReturnType<typeof colours>,
  dagId: string,
  runs: BackfillRun[],
  options: BackfillOptions,
  code: number,
): number {
  if (options.json === true) printJson({ dagId, ok: code === EXIT.ok, runs });
  else process.stdout.write(backfillSummary(c, runs));
  return code;
}

/** The stack options as the user gave them, for the commands the output suggests. */
function cloudArgs(options: BackfillOptions): string {
  return [
    ...(options.stack !== undefined ? [`--stack ${options.stack}`] : []),
    ...(options.outputs !== undefined ? [`--outputs ${options.outputs}`] : []),
  ].join(' ');
}
