import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { RunContext } from '../compiler/worker-contract.ts';
import { dynamoClient, readDagRecord } from '../dynamo/dag-record.ts';
import { clearPlan } from '../runs/clear-plan.ts';
import { cloudClearedInstances, keptMappedItems } from '../runs/cloud-clear-instances.ts';
import { CloudRunHistory } from '../runs/cloud-run-history.ts';
import { readExecutionHistory } from '../runs/history-task-states.ts';
import type { CloudRun } from '../runs/run-history.ts';
import { lastPayload } from '../runs/run-records.ts';
import type { ClearEvent } from '../runs/trigger-event.ts';
import { readStoredManifest } from '../runtime/stored-manifest.ts';
import { isEndedRun } from './backfill/wait-for-runs.ts';
import { type CloudStack, type CloudStackOptions, resolveCloudStack } from './cloud-stack.ts';
import { executionConsoleUrl } from './console-url.ts';
import { pickRun } from './history/run-history.ts';
import { colours, EXIT, printJson } from './output.ts';
import type { Checked } from './run-input.ts';
import { runGrid } from './run-output.ts';
import { invokeTrigger } from './trigger.ts';

export type CloudClearOptions = CloudStackOptions & {
  readonly dag?: string;
  readonly task?: RegExp;
  readonly downstream?: boolean;
  readonly failed?: boolean;
  /** The run whole (a backfill's `--reprocess`): every instance, nothing kept. */
  readonly wholeRun?: boolean;
  readonly dryRun?: boolean;
  readonly json?: boolean;
  /** `--no-wait`: false. */
  readonly wait?: boolean;
};

/** How often the CLI reads the run while it waits for the new execution's end: a poll, not a limit. */
const POLL_MS = 2_000;

/**
 * `airstep clear <run> --stack`: the same plan and keep decision as the local clear, on the deployed stack. Reads
 * the ended run (its record, its final task records, the ended execution's context and payload, the manifest of
 * the DAG's live version), plans (lib/runs/clear-plan.ts), and asks the trigger function for the new execution
 * (a `clear` event, lib/runs/clear-run.ts: admission, the run record and StartExecution stay in one place). Then
 * waits for the recorder to record the new execution's end and prints the grid. Every refusal changes nothing.
 */
export async function cloudClear(
  runId: string,
  options: CloudClearOptions,
  refuse: (message: string) => 2,
): Promise<number> {
  const c = colours();
  const stack = await resolveCloudStack(options);
  if (!stack.ok) return refuse(stack.message);
  const clients = { dynamo: dynamoClient(), sfn: new SFNClient({}), s3: new S3Client({}) };
  const planned = await planCloudClear(runId, options, stack.value, clients);
  if (!planned.ok) return refuse(planned.message);
  const { run, name, event, cleared, kept, history } = planned.value;
  if (options.dryRun === true) {
    if (options.json === true) printJson({ run, dryRun: true, cleared, kept });
    else {
      console.log(`${name} (${run.state}): would clear ${cleared.join(', ')}`);
      console.log(c.dim(`keeps ${kept.length > 0 ? kept.join(', ') : 'nothing'}`));
    }
    return EXIT.ok;
  }
  const invoked = await invokeTrigger(stack.value.triggerFunction, event);
  if (!invoked.ok) return refuse(invoked.message);
  const result = invoked.value;
  if (result.outcome === 'refused') return refuse(result.problems.join('\n'));
  if (result.outcome === 'duplicate') {
    return refuse(`${name} was started again meanwhile (now ${result.state}): nothing cleared; see airstep tasks`);
  }
  if (result.outcome !== 'started' && result.outcome !== 'queued') {
    return refuse(`${name}: the trigger answered ${result.outcome}`);
  }
  const executionArn = result.outcome === 'started' ? result.executionArn : undefined;
  if (options.json !== true) {
    console.log(c.bold(`${name}: clearing ${cleared.join(', ')} (clear ${event.clear.attempt})`));
    console.log(c.dim(`keeps ${kept.length > 0 ? kept.join(', ') : 'nothing'}`));
    if (result.outcome === 'queued') {
      console.log(
        c.yellow(
          `queued: ${result.activeRuns} run(s) of ${run.dagId} are running (maxActiveRuns); it starts when one ends`,
        ),
      );
    }
    const url = executionArn !== undefined ? executionConsoleUrl(executionArn) : undefined;
    if (url !== undefined) console.log(`  console ${url}`);
  }
  if (options.wait === false) {
    if (options.json === true) {
      const now = executionArn !== undefined ? { state: 'running', executionArn } : { state: 'queued' };
      printJson({ run: { ...run, ...now }, cleared, kept });
    }
    return EXIT.ok;
  }
  // This clear's execution: the one the trigger started, or the one the recorder starts for the queued clear.
  const ended = await waitForEnd(history, run, (now) =>
    executionArn !== undefined
      ? now.executionArn === executionArn
      : now.clears === event.clear.attempt && now.executionArn !== event.previousExecutionArn,
  );
  if (ended === undefined) {
    if (options.json !== true) console.log(c.dim(`stopped waiting: the run goes on; see airstep tasks ${run.runId}`));
    return EXIT.ok;
  }
  const tasks = await history.tasks(ended);
  if (options.json === true) printJson({ run: ended, cleared, kept, tasks });
  else {
    process.stdout.write(
      `\n${runGrid(
        c,
        tasks.map((task) => ({ ...task, tries: task.tries ?? 0 })),
      )}`,
    );
    console.log(`${ended.state === 'success' ? c.green('run success') : c.red(`run ${ended.state}`)}`);
  }
  return ended.state === 'success' ? EXIT.ok : EXIT.problems;
}

/** A deployed run's clear, planned: the trigger event that starts it, and what it clears and keeps. */
export interface CloudClearPlan {
  readonly run: CloudRun;
  /** `<dag> › <run>`, for messages. */
  readonly name: string;
  readonly event: ClearEvent;
  /** Instance keys cleared and kept, sorted. */
  readonly cleared: readonly string[];
  readonly kept: readonly string[];
  readonly history: CloudRunHistory;
}

/**
 * Reads the ended run and plans its clear (nothing is written): the run (unique by id or prefix), ended success
 * or failed, its DAG deployed, live and not paused, the manifest of its live version, the ended execution's
 * context and payload, the run's final task records; then the local clear's plan. Why not, as a message.
 */
export async function planCloudClear(
  runId: string,
  options: Omit<CloudClearOptions, keyof CloudStackOptions>,
  stack: CloudStack,
  clients: { readonly dynamo: DynamoDBClient; readonly sfn: SFNClient; readonly s3: S3Client },
): Promise<Checked<CloudClearPlan>> {
  const refuse = (message: string) => ({ ok: false as const, message });
  const { dynamo, sfn } = clients;
  const { bucket, dagsTable, runsTable, taskInstancesTable, source } = stack;
  if (bucket === undefined) {
    return refuse(`${source}: no output BucketName (where the DAG versions' manifests are); run cdk deploy again`);
  }
  const history = new CloudRunHistory(
    dynamo,
    { dags: dagsTable, runs: runsTable, taskInstances: taskInstancesTable },
    source,
  );
  const picked = await pickRun(history, runId, options.dag);
  if (!picked.ok) return refuse(picked.message);
  const run = picked.run as CloudRun;
  const name = `${run.dagId} › ${run.runId}`;
  if (run.state === 'running' || run.state === 'queued') {
    return refuse(`${name} is still ${run.state}: clear an ended run (wait for it, or stop its execution)`);
  }
  if (run.state === 'unknown') return refuse(`${name} has no state Airstep knows: nothing to clear`);
  if (run.executionArn === undefined) return refuse(`${name} has no execution recorded: nothing to clear`);
  const dag = await readDagRecord(dynamo, dagsTable, run.dagId);
  if (dag === undefined) return refuse(`${name}: no DAG '${run.dagId}' is deployed`);
  if (dag.disabled) return refuse(`${name}: DAG ${run.dagId} is disabled (its file was deleted)`);
  if (dag.pausedAt !== undefined) {
    return refuse(`${name}: DAG ${run.dagId} is paused (since ${dag.pausedAt}); unpause it first (airstep unpause)`);
  }
  const manifest = await readStoredManifest(clients.s3, bucket, dag.dagId, dag.dagVersion);
  if (manifest === undefined) return refuse(`${name}: no manifest of DAG version ${dag.dagVersion} in ${bucket}`);

  const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: run.executionArn }));
  const ctx = (JSON.parse(execution.input ?? '{}') as { ctx?: RunContext }).ctx;
  if (ctx?.dagId !== run.dagId || ctx.runId !== run.runId) {
    return refuse(`${name}: execution ${run.executionArn} does not carry this run's context`);
  }
  const payload =
    execution.status === 'SUCCEEDED'
      ? (JSON.parse(execution.output ?? 'null') as unknown)
      : lastPayload(await readExecutionHistory(sfn, run.executionArn));
  const records = await history.tasks(run);
  const plan = clearPlan({
    manifest,
    instances: cloudClearedInstances(records, payload, dag.taskIds),
    choice: {
      ...(options.task !== undefined ? { task: options.task } : {}),
      downstream: options.downstream === true,
      onlyFailed: options.failed === true,
      wholeRun: options.wholeRun === true,
    },
    previousClears: run.clears ?? 0,
  });
  if (!plan.ok) return refuse(`${dag.file} › ${plan.message}`);
  const mapped = keptMappedItems(plan.clear);
  if (mapped.length > 0) {
    return refuse(
      `${dag.file} › dag ${dag.dagId}: a deployed run's clear cannot keep items of a mapped task (${mapped.join(', ')}): ` +
        'the execution keeps no result per item; clear the mapped task too (--task with its id, --downstream)',
    );
  }
  // The context of the run as it was first triggered: a clear of a clear starts from the run, not the keep list.
  const { clear: _previous, ...runCtx } = ctx;
  const event: ClearEvent = {
    kind: 'clear',
    dagId: run.dagId,
    runId: run.runId,
    previousExecutionArn: run.executionArn,
    ctx: runCtx,
    clear: plan.clear,
  };
  return {
    ok: true,
    value: { run, name, event, cleared: plan.cleared, kept: Object.keys(plan.clear.kept).sort(), history },
  };
}

/**
 * Reads the run until the recorder has written the end of the clear's execution (`isClear` of the record, ended).
 * Undefined when Ctrl-C stopped the waiting (the run goes on).
 */
async function waitForEnd(history: CloudRunHistory, run: CloudRun, isClear: (now: CloudRun) => boolean) {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  try {
    while (!abort.signal.aborted) {
      const now = (await history.findRuns(run.runId, run.dagId)).find((found) => found.runId === run.runId);
      if (now !== undefined && isClear(now as CloudRun) && isEndedRun(now)) return now;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        const early = () => {
          clearTimeout(timer);
          resolve();
        };
        abort.signal.addEventListener('abort', early, { once: true });
      });
    }
    return undefined;
  } finally {
    process.off('SIGINT', stop);
  }
}
