import type { Command } from 'commander';
import { compileFiles } from './compile-files.ts';
import { colours, EXIT, printJson } from './output.ts';

/** `airstep list [paths…]`: DAG ids, schedules, task counts and import errors. */
export function registerListCommand(program: Command): void {
  program
    .command('list')
    .description('list DAGs with their schedules and task counts, and files that failed to import')
    .argument('[paths...]', 'DAG files or folders', ['dags'])
    .option('--json', 'print one JSON document')
    .action(async (paths: string[], options: { json?: boolean }) => {
      const files = await compileFiles(paths);
      const dags = files.flatMap((file) =>
        file.compiled.map((dag) => ({
          dagId: dag.ir.dagId,
          file: file.file,
          schedule: dag.ir.schedule.expression,
          timezone: dag.ir.schedule.timezone,
          tasks: dag.ir.tasks.length,
          tags: dag.ir.tags,
          problems: dag.problems.length,
        })),
      );
      const importErrors = files.flatMap((file) => file.loaded.errors);
      if (options.json === true) {
        printJson({ dags, importErrors });
      } else {
        const c = colours();
        const width = Math.max(6, ...dags.map((dag) => dag.dagId.length));
        console.log(c.bold(`${'dag_id'.padEnd(width)}  ${'schedule'.padEnd(18)}  tasks  file`));
        for (const dag of dags) {
          const schedule = (dag.schedule ?? 'manual').padEnd(18);
          const flag = dag.problems > 0 ? c.red(` (${dag.problems} problem(s))`) : '';
          console.log(`${dag.dagId.padEnd(width)}  ${schedule}  ${String(dag.tasks).padStart(5)}  ${dag.file}${flag}`);
        }
        for (const error of importErrors) {
          console.log(
            c.red(`import error: ${error.file}${error.line !== undefined ? `:${error.line}` : ''}: ${error.message}`),
          );
        }
      }
      process.exitCode = importErrors.length === 0 ? EXIT.ok : EXIT.problems;
    });
}
