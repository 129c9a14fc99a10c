import type { Command } from 'commander';
import { MAX_NOTE_LENGTH } from '../runs/run-note.ts';
import { type CloudStackOptions, cloudStackOptions } from './cloud-stack.ts';
import { openRunHistory } from './history/open-run-history.ts';
import { pickRun } from './history/run-history.ts';
import { colours, EXIT, printJson } from './output.ts';
import { refuser } from './run-input.ts';

type NoteOptions = CloudStackOptions & { dag?: string; json?: boolean };

/**
 * `airstep note <run> "text"`: sets the note of a run (run id or a prefix only one run has), as Airflow 3's DAG
 * run note: free text, at most 1,000 characters, any run state; an empty text removes it. `runs` shows it (cut
 * short) and `tasks` above the grid; `--json` of both carries it whole. Local runs (their `run.json`), or with
 * `--stack` / `--outputs` the deployed stack's runs table. An unknown run, a prefix several runs share or a text
 * too long: exit 2, nothing written.
 */
export function registerNoteCommand(program: Command): void {
  cloudStackOptions(
    program
      .command('note')
      .description('set the note of a run (an empty text removes it; local, or deployed with --stack / --outputs)')
      .argument('<run>', 'run id, or a unique prefix of it')
      .argument('<text>', `the note, at most ${MAX_NOTE_LENGTH} characters ("" removes it)`)
      .option('--dag <id>', 'the DAG of the run'),
  )
    .option('--json', 'print one JSON document')
    .action(async (runId: string, text: string, options: NoteOptions) => {
      process.exitCode = await setNote(runId, text, options);
    });
}

async function setNote(runId: string, text: string, options: NoteOptions): Promise<number> {
  const refuse = refuser(options.json, colours(process.stderr).red);
  if (text.length > MAX_NOTE_LENGTH) {
    return refuse(`the note has ${text.length} characters; at most ${MAX_NOTE_LENGTH} (as Airflow)`);
  }
  const history = await openRunHistory(options);
  if (!history.ok) return refuse(history.message);
  const picked = await pickRun(history.value, runId, options.dag);
  if (!picked.ok) return refuse(picked.message);
  const { run } = picked;
  // The run was found a moment ago; a run deleted since is not created again by its note.
  if (!(await history.value.setNote(run, text))) {
    return refuse(`no run '${run.runId}' of ${run.dagId} in ${history.value.where} any more; nothing written`);
  }
  if (options.json === true) {
    printJson({ dagId: run.dagId, runId: run.runId, note: text === '' ? null : text });
    return EXIT.ok;
  }
  const c = colours();
  console.log(
    text === ''
      ? `${c.dim('removed')} the note of ${run.dagId} › ${run.runId}`
      : `${c.green('noted')} ${run.dagId} › ${run.runId}: ${text}`,
  );
  return EXIT.ok;
}
