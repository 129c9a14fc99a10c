import type { Command } from 'commander';
import { formatProblem } from '../sdk/errors.ts';
import { compileFiles } from './compile-files.ts';
import { EXIT, printJson } from './output.ts';
import { renderDot, renderMermaid, renderText } from './render-graph.ts';

const FORMATS = { text: renderText, mermaid: renderMermaid, dot: renderDot } as const;

/** `airstep graph <file> [--format text|mermaid|dot]`. */
export function registerGraphCommand(program: Command): void {
  program
    .command('graph')
    .description('draw a DAG as a tree, or as Mermaid or DOT')
    .argument('<file>', 'DAG file')
    .option('--format <format>', 'text, mermaid or dot', 'text')
    .option('--dag <id>', 'only this DAG of the file')
    .option('--json', 'print one JSON document (tasks and edges)')
    .action(async (file: string, options: { format: string; dag?: string; json?: boolean }) => {
      const render = FORMATS[options.format as keyof typeof FORMATS];
      if (render === undefined) {
        console.error(`--format must be one of ${Object.keys(FORMATS).join(', ')}, got '${options.format}'`);
        process.exitCode = EXIT.usage;
        return;
      }
      const [compiled] = await compileFiles([file]);
      const dags = compiled!.compiled.filter((dag) => options.dag === undefined || dag.ir.dagId === options.dag);
      const loadErrors = compiled!.loaded.errors;
      if (loadErrors.length > 0 || dags.length === 0) {
        for (const problem of compiled!.problems) console.error(formatProblem(problem));
        if (dags.length === 0 && loadErrors.length === 0) console.error(`${file}: no DAG '${options.dag}'`);
        process.exitCode = EXIT.usage;
        return;
      }
      // A broken DAG is not drawn: a cycle or an unknown upstream would be drawn silently wrong (edges dropped).
      const broken = compiled!.problems.filter(
        (problem) => options.dag === undefined || problem.dagId === undefined || problem.dagId === options.dag,
      );
      if (broken.length > 0) {
        if (options.json === true) printJson({ problems: broken.map((problem) => formatProblem(problem)) });
        else for (const problem of broken) console.error(formatProblem(problem));
        process.exitCode = EXIT.problems;
        return;
      }
      if (options.json === true) {
        printJson(
          dags.map((dag) => ({
            dagId: dag.ir.dagId,
            tasks: dag.ir.tasks.map((task) => ({ id: task.id, kind: task.kind, groups: task.groups })),
            edges: dag.ir.tasks.flatMap((task) => task.upstream.map((up) => [up, task.id])),
          })),
        );
        return;
      }
      process.stdout.write(dags.map((dag) => render(dag.ir)).join('\n'));
    });
}
