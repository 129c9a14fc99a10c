import type { Command } from 'commander';
import { authoredSchedule } from '../compiler/asset-ir.ts';
import {
  type EventBridgeSchedule,
  nextRuns,
  parseScheduleDate,
  type RunInterval,
  runContextDates,
  ScheduleError,
  type ScheduleSpec,
  toEventBridgeSchedules,
  validateSchedule,
} from '../schedule/index.ts';
import type { Dag } from '../sdk/dag.ts';
import { formatProblem, type Problem } from '../sdk/errors.ts';
import { loadDagFile } from './load-dags.ts';
import { colours, EXIT, printJson } from './output.ts';

interface NextOptions {
  readonly dag?: string;
  readonly schedule?: string;
  readonly tz?: string;
  readonly after?: string;
  readonly count: string;
  readonly json?: boolean;
}

/** What to show the runs of: a DAG's schedule options, or a schedule given on the command line. */
interface Target {
  readonly spec: ScheduleSpec;
  /** Where a problem is, for messages: the file and DAG, or nothing for `--schedule`. */
  readonly location: Omit<Problem, 'message'>;
  readonly title: string;
}

const MAX_COUNT = 1000;

/**
 * `airstep next <file> [--dag id]` or `airstep next --schedule EXPR [--tz ZONE]`: the next runs after an
 * instant (default now) with their data intervals, and the EventBridge Scheduler schedules a deploy at that
 * instant creates. Bad input exits 2 with a message naming the DAG and the option.
 */
export function registerNextCommand(program: Command): void {
  program
    .command('next')
    .description('show the next runs of a DAG (or a schedule) and the EventBridge Scheduler schedules it deploys with')
    .argument('[file]', 'DAG file')
    .option('--dag <id>', 'the DAG to show, when the file declares several')
    .option('--schedule <expr>', 'a schedule to try instead of a DAG file: cron, preset or rate')
    .option('--tz <zone>', 'IANA time zone for --schedule (default UTC)')
    .option('--after <iso>', 'show runs that fire after this instant (default now); no offset: read in the DAG zone')
    .option('--count <n>', 'how many runs to show', '5')
    .option('--json', 'print one JSON object: { runs, eventbridge }')
    .action(async (file: string | undefined, options: NextOptions) => {
      process.exitCode = await showNextRuns(file, options);
    });
}

async function showNextRuns(file: string | undefined, options: NextOptions): Promise<number> {
  const count = Number(options.count);
  if (!/^\d+$/.test(options.count) || count < 1 || count > MAX_COUNT) {
    return usage(`--count must be a whole number from 1 to ${MAX_COUNT}, got '${options.count}'`);
  }
  const target = await resolveTarget(file, options);
  if (typeof target === 'string') return usage(target);

  const problems = validateSchedule(target.spec);
  if (problems.length > 0) {
    for (const problem of problems) console.error(formatProblem({ ...target.location, ...problem }));
    return EXIT.usage;
  }
  let after: Date;
  try {
    after = options.after === undefined ? new Date() : parseScheduleDate(options.after, target.spec.timezone, 'after');
  } catch (error) {
    if (error instanceof ScheduleError) return usage(`--after: ${error.message}`);
    throw error;
  }

  const runs = nextRuns(target.spec, after, count);
  const eventbridge = toEventBridgeSchedules(target.spec, { now: after });
  if (options.json === true) printJson({ runs, eventbridge });
  else printRuns(target, runs, eventbridge);
  return EXIT.ok;
}

async function resolveTarget(file: string | undefined, options: NextOptions): Promise<Target | string> {
  if (options.schedule !== undefined) {
    if (file !== undefined) return `give a DAG file or --schedule, not both`;
    const timezone = options.tz ?? 'UTC';
    return {
      spec: { expression: options.schedule, timezone, catchup: false },
      location: {},
      title: `${options.schedule} (${timezone})`,
    };
  }
  if (file === undefined) return 'give a DAG file, or --schedule EXPR';
  if (options.tz !== undefined) return '--tz goes with --schedule; a DAG file sets its own timezone';

  const loaded = await loadDagFile(file);
  if (loaded.errors.length > 0) {
    return loaded.errors
      .map((error) => `${error.file}${error.line !== undefined ? `:${error.line}` : ''}: ${error.message}`)
      .join('\n');
  }
  const ids = loaded.dags.map((dag) => dag.id);
  const dag =
    options.dag !== undefined
      ? loaded.dags.find((candidate) => candidate.id === options.dag)
      : loaded.dags.length === 1
        ? loaded.dags[0]
        : undefined;
  if (dag === undefined) {
    return options.dag !== undefined
      ? `${loaded.file} has no DAG '${options.dag}' (it has ${ids.join(', ')})`
      : `${loaded.file} declares ${ids.length} DAGs (${ids.join(', ')}); choose one with --dag`;
  }
  return {
    spec: dagSpec(dag),
    location: { file: loaded.file, dagId: dag.id },
    title: `dag ${dag.id} (${loaded.file})`,
  };
}

/** The schedule options of a DAG, as the compiler reads them (a `Date` start or end becomes its ISO string). */
function dagSpec(dag: Dag): ScheduleSpec {
  const options = dag.options;
  const date = (value: unknown) => (value instanceof Date ? value.toISOString() : (value as string | undefined));
  return {
    // An asset schedule's time part (`{ time, assets }`), if any: asset events are not on a clock.
    expression: authoredSchedule(options.schedule).expression,
    timezone: options.timezone ?? 'UTC',
    ...(options.startDate !== undefined ? { startDate: date(options.startDate) } : {}),
    ...(options.endDate !== undefined ? { endDate: date(options.endDate) } : {}),
    catchup: options.catchup === true,
  };
}

function printRuns(target: Target, runs: RunInterval[], eventbridge: EventBridgeSchedule[]): void {
  const c = colours();
  const timezone = target.spec.timezone;
  console.log(c.bold(target.title));
  if (target.spec.expression === null) {
    console.log('  manual only (schedule null): runs start when triggered; nothing is scheduled on EventBridge');
    return;
  }
  const window = [
    target.spec.startDate !== undefined ? `from ${target.spec.startDate}` : '',
    target.spec.endDate !== undefined ? `until ${target.spec.endDate}` : '',
  ].filter((part) => part !== '');
  console.log(`  schedule     ${[target.spec.expression, timezone, ...window].join('  ')}`);
  for (const schedule of eventbridge) {
    const bounds = [
      schedule.startDate !== undefined ? `start ${schedule.startDate}` : '',
      schedule.endDate !== undefined ? `end ${schedule.endDate}` : '',
    ].filter((part) => part !== '');
    console.log(`  eventbridge  ${[schedule.expression, schedule.timezone, ...bounds].join('  ')}`);
  }
  if (runs.length === 0) {
    console.log(c.dim('  no runs left to fire'));
    return;
  }
  const width = Math.max(...runs.map((run) => run.logicalDate.length));
  console.log(c.dim(`  ${'ds'.padEnd(10)}  ${'logical date'.padEnd(width)}  runs at (end of the data interval)`));
  for (const run of runs) {
    const { ds } = runContextDates(run, timezone);
    console.log(`  ${ds}  ${run.logicalDate.padEnd(width)}  ${run.runAfter}`);
  }
}

function usage(message: string): number {
  console.error(`airstep next: ${message}`);
  return EXIT.usage;
}
