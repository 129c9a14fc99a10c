import type { Command } from 'commander';
import { LocalStore, type TaskRecord } from '../local/local-store.ts';
import { type MarkState, markRunPlan, markTaskPlan, parseTaskInstance } from '../runs/mark-decision.ts';
import { type CloudStackOptions, cloudStackOptions, resolveCloudStack, wantsCloud } from './cloud-stack.ts';
import { openRunHistory } from './history/open-run-history.ts';
import { pickRun, type RunHistory, type RunSummary } from './history/run-history.ts';
import { colours, EXIT, printJson } from './output.ts';
import { refuser } from './run-input.ts';

type MarkOptions = CloudStackOptions & { dag?: string; json?: boolean };

const MARK_STATES: readonly MarkState[] = ['success', 'failed'];

/**
 * `airstep mark <run> [task] success|failed`: Airflow's "mark success / mark failed" (rules in
 * lib/runs/mark-decision.ts). A task of a running run in the cloud that waits on its token is answered (its
 * downstream then runs as the state machine decides); an ended run's records and state are rewritten, locally
 * (`.airstep/`) or in the deployed stack's tables. Refused, with nothing changed (exit 2): an unknown run or task,
 * a prefix several runs share, a queued run, a running local run (its tokens live in the engine's process) and a
 * whole running run (Airstep cannot end the tries it runs as Airflow does).
 */
export function registerMarkCommand(program: Command): void {
  cloudStackOptions(
    program
      .command('mark')
      .description('mark a task instance (or a whole run) success or failed, as Airflow does')
      .argument('<run>', 'run id, or a unique prefix of it')
      .argument('[task]', 'task id (`task[3]` for an item of a mapped task); without it the run is marked')
      .argument('[state]', 'success or failed')
      .option('--dag <id>', 'the DAG of the run'),
  )
    .option('--json', 'print one JSON document')
    .action(async (runId: string, task: string | undefined, state: string | undefined, options: MarkOptions) => {
      process.exitCode = await mark(runId, state === undefined ? undefined : task, state ?? task, options);
    });
}

async function mark(runId: string, task: string | undefined, state: string | undefined, options: MarkOptions) {
  const refuse = refuser(options.json, colours(process.stderr).red);
  if (!MARK_STATES.includes(state as MarkState)) {
    return refuse(`mark: the state must be success or failed (got ${state === undefined ? 'none' : `'${state}'`})`);
  }
  const target = state as MarkState;
  const history = await openRunHistory(options);
  if (!history.ok) return refuse(history.message);
  const picked = await pickRun(history.value, runId, options.dag);
  if (!picked.ok) return refuse(picked.message);
  const { run } = picked;
  const where = `${run.dagId} › ${run.runId}`;
  if (run.state === 'queued') return refuse(`${where} is queued (not started): there is nothing to mark yet`);
  if (run.state === 'running' && task === undefined) {
    return refuse(
      `${where} is running: a whole run can only be marked once it ended (mark its waiting tasks, or wait for it)`,
    );
  }
  const outcome = wantsCloud(options)
    ? await markCloud(history.value, run, task, target, options)
    : await markLocal(history.value, run, task, target);
  if (!outcome.ok) return refuse(outcome.message);
  if (options.json === true) {
    printJson({
      ok: true,
      run: { dagId: run.dagId, runId: run.runId },
      changed: outcome.changed,
      runState: outcome.runState,
    });
    return EXIT.ok;
  }
  const c = colours();
  console.log(`${where}: marked ${task ?? 'run'} ${target}`);
  for (const line of outcome.changed) console.log(`  ${line}`);
  if (outcome.changed.length === 0) console.log(c.dim('  no task instance changed'));
  console.log(`run ${outcome.runState}`);
  if (task !== undefined && run.state !== 'running') {
    console.log(c.dim('downstream tasks keep their states; re-run them with airstep clear'));
  }
  return EXIT.ok;
}

type Outcome = { ok: true; changed: string[]; runState: string } | { ok: false; message: string };

async function markLocal(
  history: RunHistory,
  run: RunSummary,
  task: string | undefined,
  state: MarkState,
): Promise<Outcome> {
  const where = `${run.dagId} › ${run.runId}`;
  if (run.state === 'running') {
    return {
      ok: false,
      message: `${where} is running in a local engine process: its task tokens live in that process; mark it once it ended`,
    };
  }
  const records = (await history.tasks(run)) as TaskRecord[];
  const plan =
    task !== undefined
      ? planForTask(records, task, where, state)
      : { ok: true as const, value: markRunPlan(records, state) };
  if (!plan.ok) return plan;
  const store = new LocalStore();
  const changed = new Map(plan.value.changed.map(({ record, state: next }) => [record, next]));
  await store.saveTasks(
    run.dagId,
    run.runId,
    records.map((record) => (changed.has(record) ? { ...record, state: changed.get(record)! } : record)),
  );
  const stored = (await store.runs(run.dagId)).find((candidate) => candidate.runId === run.runId)!;
  stored.state = plan.value.runState;
  await store.saveRun(stored);
  const { changeLine } = await import('../runs/cloud-mark.ts');
  return { ok: true, changed: plan.value.changed.map(changeLine), runState: plan.value.runState };
}

async function markCloud(
  history: RunHistory,
  run: RunSummary,
  task: string | undefined,
  state: MarkState,
  options: MarkOptions,
): Promise<Outcome> {
  const stack = await resolveCloudStack(options);
  if (!stack.ok) return stack;
  const [{ dynamoClient }, { SFNClient }, cloud] = await Promise.all([
    import('../dynamo/dag-record.ts'),
    import('@aws-sdk/client-sfn'),
    import('../runs/cloud-mark.ts'),
  ]);
  const deps = {
    dynamo: dynamoClient(),
    sfn: new SFNClient({}),
    tables: { runs: stack.value.runsTable, taskInstances: stack.value.taskInstancesTable },
  };
  if (run.state === 'running') return cloud.markWaitingTask(deps, run, parseTaskInstance(task!), state);
  const where = `${run.dagId} › ${run.runId}`;
  const records = await history.tasks(run);
  const plan =
    task !== undefined
      ? planForTask(records, task, where, state)
      : { ok: true as const, value: markRunPlan(records, state) };
  if (!plan.ok) return plan;
  return cloud.writeEndedRunMark(deps, run, plan.value);
}

function planForTask<T extends { taskId: string; mapIndex: number; state: TaskRecord['state'] }>(
  records: readonly T[],
  task: string,
  where: string,
  state: MarkState,
) {
  const { taskId, mapIndex } = parseTaskInstance(task);
  const target = records.find((record) => record.taskId === taskId && record.mapIndex === mapIndex);
  if (target === undefined) {
    const known = [...new Set(records.map((record) => record.taskId))].join(', ');
    return { ok: false as const, message: `${where} has no task instance '${task}' (its tasks: ${known || 'none'})` };
  }
  return { ok: true as const, value: markTaskPlan(records, target, state) };
}
