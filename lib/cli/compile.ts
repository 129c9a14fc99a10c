import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CompiledDag } from '../compiler/compile-dag.ts';
import { dominantMapping, type MappedHistoryEstimate } from '../compiler/history-estimate.ts';
import { LIMITS } from '../compiler/limits.ts';
import { mapModeReport } from '../compiler/map-mode.ts';
import { formatProblem } from '../sdk/errors.ts';
import { compileFiles } from './compile-files.ts';
import { colours, EXIT, printJson } from './output.ts';

/** `airstep compile <file> [--out dir]`: writes `<dag_id>.asl.json` and `<dag_id>.manifest.json`. */
export function registerCompileCommand(program: Command): void {
  program
    .command('compile')
    .description('compile a DAG file to Step Functions ASL and a deploy manifest')
    .argument('<file>', 'DAG file')
    .option('--out <dir>', 'output folder', 'out')
    .option('--dag <id>', 'only this DAG of the file')
    .option('--json', 'print one JSON document')
    .action(async (file: string, options: { out: string; dag?: string; json?: boolean }) => {
      const [compiled] = await compileFiles([file]);
      const dags = compiled!.compiled.filter((dag) => options.dag === undefined || dag.ir.dagId === options.dag);
      if (options.dag !== undefined && dags.length === 0) {
        console.error(
          `${file}: no DAG '${options.dag}' (found: ${compiled!.compiled.map((d) => d.ir.dagId).join(', ')})`,
        );
        process.exitCode = EXIT.usage;
        return;
      }
      const problems = compiled!.problems.filter(
        (problem) => options.dag === undefined || problem.dagId === options.dag,
      );
      const written: Array<{ dagId: string; asl: string; manifest: string; children?: string[] }> = [];
      if (problems.length === 0) {
        await mkdir(options.out, { recursive: true });
        for (const dag of dags) {
          const asl = join(options.out, `${dag.ir.dagId}.asl.json`);
          const manifest = join(options.out, `${dag.ir.dagId}.manifest.json`);
          await writeFile(asl, dag.asl!);
          await writeFile(manifest, `${JSON.stringify(dag.manifest, null, 2)}\n`);
          // A DAG split into a parent and children: each child's definition beside the parent's.
          const children: string[] = [];
          for (const child of dag.children ?? []) {
            const path = join(options.out, `${dag.ir.dagId}.${child.name}.asl.json`);
            await writeFile(path, child.asl!);
            children.push(path);
          }
          written.push({ dagId: dag.ir.dagId, asl, manifest, ...(children.length > 0 ? { children } : {}) });
        }
      }
      if (options.json === true) {
        printJson({ ok: problems.length === 0, problems, dags: dags.map((dag) => summary(dag)), written });
      } else {
        const c = colours();
        for (const problem of problems) console.log(`${c.red('✗')} ${formatProblem(problem)}`);
        for (const dag of dags) if (dag.manifest !== undefined && problems.length === 0) printSummary(dag, c);
        for (const out of written) {
          console.log(c.dim(`wrote ${out.asl} and ${out.manifest}`));
          if (out.children !== undefined) console.log(c.dim(`wrote ${out.children.join(', ')}`));
        }
      }
      process.exitCode = problems.length === 0 ? EXIT.ok : EXIT.problems;
    });
}

function summary(dag: CompiledDag) {
  const stats = dag.manifest?.stats;
  return {
    dagId: dag.ir.dagId,
    tasks: dag.ir.tasks.length,
    states: stats?.states,
    definitionBytes: stats?.definitionBytes,
    transitions: stats?.transitions,
    ...(stats?.transitions.mapped !== undefined ? { dominantMapping: dominantMapping(stats.transitions.mapped) } : {}),
    ...(stats?.transitions.mapped !== undefined ? { mapModes: mapModes(stats.transitions) } : {}),
    ...machinesOf(dag),
  };
}

/** A DAG split into a parent and children: how many machines, why, and each child's figures. */
function machinesOf(dag: CompiledDag) {
  const split = dag.manifest?.machines;
  if (split === undefined) return {};
  return {
    machines: {
      count: 1 + split.children.length,
      why: split.why,
      by: split.by,
      children: split.children.map(({ taskIds, ...figures }) => ({ ...figures, tasks: taskIds.length })),
    },
  };
}

function printSummary(dag: CompiledDag, c: ReturnType<typeof colours>): void {
  const stats = dag.manifest!.stats;
  console.log(
    `${c.bold(dag.ir.dagId)}: ${dag.ir.tasks.length} tasks, ${stats.states} states, ${stats.definitionBytes} bytes, ` +
      `${stats.transitions.total} transitions per run (${(stats.transitions.total / dag.ir.tasks.length).toFixed(2)} per task)`,
  );
  const split = dag.manifest!.machines;
  if (split !== undefined) {
    console.log(
      `  ${c.bold(`split into ${1 + split.children.length} machines`)} (a parent and ${split.children.length} children, cut by ${split.by === 'group' ? 'task group' : 'the graph'}): ${split.why}`,
    );
    for (const child of split.children) {
      console.log(
        c.dim(
          `    ${child.name}: ${child.taskIds.length} tasks, ${child.states} states, ${child.definitionBytes} bytes, about ${child.historyEvents} history events`,
        ),
      );
    }
  }
  const width = Math.max(...dag.ir.tasks.map((task) => task.id.length), 4);
  for (const [id, figures] of Object.entries(stats.transitions.perTask)) {
    const perItem = figures.perItem !== undefined ? ` + ${figures.perItem} per item` : '';
    console.log(`  ${id.padEnd(width)}  ${figures.transitions}${perItem}`);
  }
  console.log(
    c.dim(`  (run overhead: ${stats.transitions.overhead}; about ${stats.transitions.historyEvents} history events)`),
  );
  const { mapped } = stats.transitions;
  if (mapped === undefined) return;
  const most = dominantMapping(mapped);
  console.log(
    c.dim(`  history events of mapped items (a run holds at most ${LIMITS.historyEvents}; items × events per item):`),
  );
  for (const id of Object.keys(mapped).sort()) {
    const note = id === most ? ' (the most)' : '';
    console.log(c.dim(`    ${id.padEnd(width)}  ${itemEvents(mapped[id]!)}${note}`));
  }
  console.log(c.dim('  mapped tasks run as:'));
  for (const [id, { mode, reason }] of Object.entries(mapModes(stats.transitions))) {
    console.log(`    ${id.padEnd(width)}  ${mode === 'distributed' ? c.bold(mode) : mode}: ${c.dim(reason)}`);
  }
}

/** Per mapped task: inline or distributed, and why (the estimate's figures). */
function mapModes(transitions: { historyEvents: number; mapped?: Readonly<Record<string, MappedHistoryEstimate>> }) {
  return Object.fromEntries(
    Object.keys(transitions.mapped ?? {})
      .sort()
      .map((id) => [id, mapModeReport(transitions.mapped![id]!, transitions.historyEvents)]),
  );
}

function itemEvents(m: MappedHistoryEstimate): string {
  if (m.items === undefined) {
    return `unknown item count: ${m.eventsPerItem} events per item, counted for one item (set expectedItems)`;
  }
  const from = m.itemsFrom === 'literal' ? 'literal' : 'expectedItems';
  const outer = m.historyEvents - m.items * m.eventsPerItem;
  const product = outer > 0 ? ` + ${outer} building the combinations` : '';
  return `${m.items} items (${from}) × ${m.eventsPerItem}${product} = ${m.historyEvents} events`;
}
