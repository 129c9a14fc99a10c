import type { Command } from 'commander';
import { loadProjectConfig, unlistedRunAsProblems } from '../local/project-config.ts';
import { formatProblem } from '../sdk/errors.ts';
import { compileFiles } from './compile-files.ts';
import { colours, EXIT, printJson } from './output.ts';

/** `airstep validate [paths…]`: every problem in every DAG file; exit 1 on any. */
export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check DAG files and report every problem (file, DAG, task, field)')
    .argument('[paths...]', 'DAG files or folders', ['dags'])
    .option('--json', 'print one JSON document')
    .action(async (paths: string[], options: { json?: boolean }) => {
      const config = await loadProjectConfig();
      const files = (await compileFiles(paths)).map((file) => ({
        ...file,
        problems: [
          ...file.problems,
          ...file.compiled.flatMap((dag) => unlistedRunAsProblems(dag.ir, file.file, config)),
        ],
      }));
      const problems = files.flatMap((file) => file.problems);
      if (options.json === true) {
        printJson({
          ok: problems.length === 0,
          files: files.map((file) => ({
            file: file.file,
            dags: file.compiled.map((dag) => dag.ir.dagId),
            problems: file.problems,
          })),
        });
      } else {
        const c = colours();
        for (const file of files) {
          const ids = file.compiled.map((dag) => dag.ir.dagId).join(', ');
          if (file.problems.length === 0) console.log(`${c.green('✓')} ${file.file} ${c.dim(ids)}`);
          else {
            console.log(`${c.red('✗')} ${file.file} ${c.dim(ids)}`);
            // Problems are diagnostics: on stderr, so `validate 2>problems.txt` keeps them and scripts see them.
            for (const problem of file.problems) console.error(`    ${formatProblem(problem)}`);
          }
        }
        const dagCount = files.reduce((sum, file) => sum + file.compiled.length, 0);
        const summary = `${files.length} file(s), ${dagCount} DAG(s), ${problems.length} problem(s)`;
        console.log(problems.length === 0 ? c.green(summary) : c.red(summary));
      }
      process.exitCode = problems.length === 0 ? EXIT.ok : EXIT.problems;
    });
}
