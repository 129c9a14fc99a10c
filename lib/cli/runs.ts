import type { Command } from 'commander';
import type { CloudStackOptions } from './cloud-stack.ts';
import { cloudStackOptions } from './cloud-stack.ts';
import { executionConsoleUrl, withConsoleUrl } from './console-url.ts';
import { openRunHistory } from './history/open-run-history.ts';
import type { RunSummary } from './history/run-history.ts';
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
      process.exitCode = await listRuns(dagId, options);
    });
}

async function listRuns(dagId: string | undefined, options: CloudStackOptions & { json?: boolean }): Promise<number> {
  const history = await openRunHistory(options);
  if (!history.ok) return refuser(options.json, colours(process.stderr).red)(history.message);
  const runs = await history.value.runs(dagId);
  if (options.json === true) {
    printJson({ runs: runs.map(withConsoleUrl) });
    return EXIT.ok;
  }
  const c = colours();
  if (runs.length === 0) {
    console.log(
      c.dim(
        history.value.local
          ? 'no local runs yet (airstep run <file>)'
          : `no runs${dagId !== undefined ? ` of ${dagId}` : ''} in ${history.value.where} yet`,
      ),
    );
  }
  for (const run of runs) console.log(runLine(c, run));
  return EXIT.ok;
}

/**
 * `<dag>  <run id>  <state>  <started>`, the same for local and deployed runs (`-`: not started yet),
 * `deadline missed (<deadline>)` for a run that had not ended by its DAG's deadline, a deployed run's Step
 * Functions console link, how many times it was cleared, then its note, if any.
 */
function runLine(c: Colours, run: RunSummary): string {
  const state =
    run.state === 'success'
      ? c.green(run.state)
      : run.state === 'running' || run.state === 'queued'
        ? c.yellow(run.state)
        : c.red(run.state);
  const missed = run.deadlineMissedAt !== undefined ? `  ${c.red(`deadline missed (${run.deadline ?? '?'})`)}` : '';
  const url = run.executionArn !== undefined ? executionConsoleUrl(run.executionArn) : undefined;
  const link = url !== undefined ? `  ${c.dim(url)}` : '';
  const clears = run.clears ?? 0;
  const cleared = clears > 0 ? `  ${c.dim(`cleared ${clears} time${clears === 1 ? '' : 's'}`)}` : '';
  const note = run.note !== undefined ? `  ${c.dim(`note: ${shortNote(run.note)}`)}` : '';
  const why = run.queuedReason !== undefined ? `  ${c.dim(`(${run.queuedReason})`)}` : '';
  return `${run.dagId}  ${run.runId}  ${state}  ${run.startedAt ?? '-'}${why}${missed}${link}${cleared}${note}`;
}

/** A note on one line, cut to 40 characters (`--json` and `tasks` show it whole). */
function shortNote(note: string): string {
  const line = note.replace(/\s+/g, ' ').trim();
  return line.length > 40 ? `${line.slice(0, 39)}…` : line;
}
