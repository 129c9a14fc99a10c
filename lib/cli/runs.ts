import type { Command } from 'commander';
import { LocalStore } from '../local/local-store.ts';
import { colours, EXIT, printJson } from './output.ts';

/** `airstep runs [dag]`: local runs, newest first. */
export function registerRunsCommand(program: Command): void {
  program
    .command('runs')
    .description('list local runs, newest first')
    .argument('[dag]', 'only this DAG')
    .option('--json', 'print one JSON document')
    .action(async (dagId: string | undefined, options: { json?: boolean }) => {
      const store = new LocalStore();
      await store.recoverInterrupted();
      const runs = await store.runs(dagId);
      if (options.json === true) {
        printJson({ runs });
        return;
      }
      const c = colours();
      if (runs.length === 0) console.log(c.dim('no local runs yet (airstep run <file>)'));
      for (const run of runs) {
        const state =
          run.state === 'success'
            ? c.green(run.state)
            : run.state === 'running'
              ? c.yellow(run.state)
              : c.red(run.state);
        console.log(`${run.dagId}  ${run.runId}  ${state}  ${run.startedAt}`);
      }
      process.exitCode = EXIT.ok;
    });
}
