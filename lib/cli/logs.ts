import type { Command } from 'commander';
import type { TaskLogTags } from '../stack-contract/task-log-line.ts';
import { type CloudStackOptions, cloudStackOptions } from './cloud-stack.ts';
import { openRunHistory } from './history/open-run-history.ts';
import { openTaskLogSource } from './history/open-task-log-source.ts';
import { pickRun, type RunHistory, type RunSummary } from './history/run-history.ts';
import type { TaskLogSource } from './history/task-log-source.ts';
import { latestTryOf, tryHasEnded } from './history/try-ended.ts';
import { colours, EXIT, printJson } from './output.ts';
import { refuser } from './run-input.ts';

type LogsOptions = CloudStackOptions & {
  try?: string;
  mapIndex: string;
  dag?: string;
  json?: boolean;
  follow?: boolean;
  interval?: string;
};

/**
 * `airstep logs <run> <task> [--try n] [--map-index i] [--follow]`: one try's log (default: the last try), from the
 * local store or, with `--stack` / `--outputs`, from the deployed stack's worker log groups (one FilterLogEvents
 * chain per group, selecting the try's tagged lines). `--follow` prints lines as they come until the try ends.
 */
export function registerLogsCommand(program: Command): void {
  cloudStackOptions(
    program
      .command('logs')
      .description("print a task try's log (local, or of the deployed stack with --stack / --outputs)")
      .argument('<run>', 'run id, or a unique prefix of it')
      .argument('<task>', 'task id')
      .option('--try <n>', 'try number (default: the last)')
      .option('--map-index <i>', 'item of a mapped task', '-1')
      .option('--dag <id>', 'the DAG of the run')
      .option('--follow', 'print new lines as they come, until the try ends')
      .option(
        '--interval <seconds>',
        'with --follow: how often to look for new lines and for the try’s end (default 2)',
      ),
  )
    .option('--json', 'print one JSON document')
    .action(async (runId: string, taskId: string, options: LogsOptions) => {
      process.exitCode = await showLogs(runId, taskId, options);
    });
}

const wholeNumber = (text: string | undefined, min: number): number | undefined =>
  text !== undefined && /^-?\d+$/.test(text) && Number(text) >= min ? Number(text) : undefined;

async function showLogs(runId: string, taskId: string, options: LogsOptions): Promise<number> {
  const refuse = refuser(options.json, colours(process.stderr).red);
  const mapIndex = wholeNumber(options.mapIndex, -1);
  if (mapIndex === undefined) return refuse(`--map-index ${options.mapIndex}: expected -1 or an item index (0, 1, …)`);
  const wantedTry = options.try === undefined ? undefined : wholeNumber(options.try, 1);
  if (options.try !== undefined && wantedTry === undefined)
    return refuse(`--try ${options.try}: expected a try number (1, 2, …)`);
  if (options.interval !== undefined && options.follow !== true) return refuse('--interval works only with --follow');
  const intervalSeconds = Number(options.interval ?? 2);
  if (!(intervalSeconds > 0)) return refuse(`--interval ${options.interval}: expected a number of seconds above 0`);

  const history = await openRunHistory(options);
  if (!history.ok) return refuse(history.message);
  const picked = await pickRun(history.value, runId, options.dag);
  if (!picked.ok) return refuse(picked.message);
  const { run } = picked;
  const source = await openTaskLogSource(options);
  if (!source.ok) return refuse(source.message);
  const logs = source.value;

  const instance = { dagId: run.dagId, runId: run.runId, taskId, mapIndex };
  const name = mapIndex >= 0 ? `${taskId}[${mapIndex}]` : taskId;
  const record = (await history.value.tasks(run)).find((t) => t.taskId === taskId && t.mapIndex === mapIndex);
  // A deployed run's task records are written when it ends: while it runs, the logs say which tries there are.
  const recordsLater = !history.value.local && (run.state === 'running' || run.state === 'queued');
  if (record === undefined && !recordsLater) return refuse(`run ${run.runId} has no task '${name}'`);
  // A running try counts: its log grows while it runs.
  const tries = latestTryOf(record);
  if (wantedTry !== undefined && tries !== undefined && wantedTry > tries && !recordsLater)
    return refuse(`${name} of run ${run.runId} has ${tries} ${tries === 1 ? 'try' : 'tries'}, not ${wantedTry}`);
  const tryNumber = wantedTry ?? tries ?? (await logs.latestTry(instance)) ?? 1;
  const tags: TaskLogTags = { ...instance, tryNumber };
  const noLog = () =>
    `no log for try ${tryNumber} of ${name} in ${logs.where} ` +
    `(${tries !== undefined ? `it has ${tries} tries; ` : ''}native steps log nothing)`;

  if (options.follow !== true) {
    const read = await logs.read(tags);
    if (options.json === true) {
      printJson({ runId: run.runId, taskId, mapIndex, try: tryNumber, log: read?.text ?? null });
      return EXIT.ok;
    }
    if (read === undefined) return refuse(noLog());
    process.stdout.write(read.text);
    return EXIT.ok;
  }

  // On stderr, so stdout is the log alone.
  if (options.json !== true)
    console.error(colours(process.stderr).dim(`following try ${tryNumber} of ${name} of ${run.runId} until it ends`));
  const text = await follow(history.value, run, tags, logs, intervalSeconds * 1000, (chunk) => {
    if (options.json !== true) process.stdout.write(chunk);
  });
  if (options.json === true) {
    printJson({ runId: run.runId, taskId, mapIndex, try: tryNumber, log: text });
    return EXIT.ok;
  }
  if (text === null) return refuse(noLog());
  return EXIT.ok;
}

/**
 * Prints the try's new lines every `intervalMs` until the try has ended (its record, or its run's end, says so),
 * then reads once more: the end is looked at before each read, so every line written before it is printed. On
 * AWS a line reaches CloudWatch Logs a little after it is written, so the last read waits one interval more.
 */
async function follow(
  history: RunHistory,
  run: RunSummary,
  tags: TaskLogTags,
  logs: TaskLogSource,
  intervalMs: number,
  print: (chunk: string) => void,
): Promise<string | null> {
  let cursor: unknown;
  let all: string | null = null;
  const readOn = async () => {
    const read = await logs.read(tags, cursor);
    if (read === undefined) return;
    cursor = read.cursor;
    all = (all ?? '') + read.text;
    if (read.text !== '') print(read.text);
  };
  for (;;) {
    const ended = await hasEnded(history, run, tags);
    await readOn();
    if (ended) break;
    await sleep(intervalMs);
  }
  if (!history.local) {
    await sleep(intervalMs);
    await readOn();
  }
  return all;
}

async function hasEnded(history: RunHistory, run: RunSummary, tags: TaskLogTags): Promise<boolean> {
  const now = (await history.findRuns(run.runId, run.dagId)).find((found) => found.runId === run.runId) ?? run;
  const record = (await history.tasks(now)).find((t) => t.taskId === tags.taskId && t.mapIndex === tags.mapIndex);
  return tryHasEnded(now, record, tags.tryNumber);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
