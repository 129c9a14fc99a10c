import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { formatProblem } from '../sdk/errors.ts';
import { compileFiles } from './compile-files.ts';
import { colours, EXIT } from './output.ts';
import { renderText } from './render-graph.ts';

export const MAIN_PIPELINE = 'dags/s3_medallion_ingestion.ts';

/**
 * `npm start`: the bundled medallion pipeline, validated, drawn and compiled to `out/`. (Running it in the
 * local engine against an S3 emulator comes with the local engine.)
 */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('compile and draw the bundled example pipeline')
    .option('--out <dir>', 'output folder', 'out')
    .action(async (options: { out: string }) => {
      const c = colours();
      const [file] = await compileFiles([MAIN_PIPELINE]);
      if (file!.problems.length > 0) {
        for (const problem of file!.problems) console.error(formatProblem(problem));
        process.exitCode = EXIT.problems;
        return;
      }
      await mkdir(options.out, { recursive: true });
      for (const dag of file!.compiled) {
        const stats = dag.manifest!.stats;
        process.stdout.write(renderText(dag.ir));
        const asl = join(options.out, `${dag.ir.dagId}.asl.json`);
        await writeFile(asl, dag.asl!);
        await writeFile(
          join(options.out, `${dag.ir.dagId}.manifest.json`),
          `${JSON.stringify(dag.manifest, null, 2)}\n`,
        );
        console.log(
          `\n${c.green('✓')} ${dag.ir.dagId}: ${dag.ir.tasks.length} tasks -> ${stats.states} states, ` +
            `${stats.definitionBytes} bytes, ${stats.transitions.total} state transitions per successful run`,
        );
        console.log(c.dim(`  state machine: ${asl}`));
        console.log(
          c.dim(
            `  schedule: ${dag.manifest!.schedule.eventbridge.map((s) => `${s.expression} (${s.timezone})`).join(', ') || 'manual'}`,
          ),
        );
      }
    });
}
