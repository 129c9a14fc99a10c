import type { Dag } from '../sdk/dag.ts';
import type { Problem } from '../sdk/errors.ts';
import type { StateMachineDefinition } from './asl-types.ts';
import { buildIr } from './build-ir.ts';
import { checkGraph } from './check-graph.ts';
import { measureDefinition } from './definition-size.ts';
import { earlyStartingTasks } from './early-trigger-rules.ts';
import { emitAsl } from './emit-asl.ts';
import { type DagIR, IR_VERSION } from './ir.ts';
import { checkLimits, countStates } from './limits.ts';
import { buildManifest, type DagManifest } from './manifest.ts';
import { chooseMapModes, mapModeProblems } from './map-mode.ts';
import { planStructure } from './plan-structure.ts';
import { eventBridgeSchedules } from './schedule-check.ts';
import { stateNames } from './state-names.ts';
import { transitionStats } from './transition-stats.ts';
import { DEFAULT_XCOM_OFFLOAD_BYTES } from './xcom-default.ts';

export interface CompileOptions {
  /** The DAG file as it should appear in messages (e.g. `dags/etl.ts`). */
  readonly file?: string;
  /** The DAG file relative to the DAGs folder, recorded in the manifest for workers to load. */
  readonly bundleEntry?: string;
}

export interface CompiledDag {
  readonly ir: DagIR;
  /** Every problem found; when non-empty, `definition` and `manifest` are absent or must not be deployed. */
  readonly problems: readonly Problem[];
  readonly definition?: StateMachineDefinition;
  /** The definition as deployed: pretty JSON with a final newline (diff-friendly golden files); absent when refused. */
  readonly asl?: string;
  readonly manifest?: DagManifest;
}

/**
 * The compiler pipeline: authored DAG -> IR -> whole-graph checks -> ASL + manifest. Pure: no clock, no I/O,
 * so the same DAG always compiles to byte-identical output.
 */
export function compileDag(dag: Dag, options: CompileOptions = {}): CompiledDag {
  try {
    return compileStages(dag, options);
  } catch (error) {
    // The checks should catch every bad input; should one slip through, it is this DAG's problem, reported as
    // such, and never stops the other DAGs of a folder from validating.
    const dagId = String(dag?.id);
    const message = `could not compile: ${error instanceof Error ? error.message : String(error)}`;
    return {
      ir: emptyIr(dagId),
      problems: [{ ...(options.file !== undefined ? { file: options.file } : {}), dagId, message }],
    };
  }
}

function compileStages(dag: Dag, options: CompileOptions): CompiledDag {
  const built = buildIr(dag, options.file);
  const { problems } = built;
  let { ir } = built;
  const at = (problem: { taskId?: string; field?: string; message: string }): Problem => ({
    ...(options.file !== undefined ? { file: options.file } : {}),
    dagId: ir.dagId,
    ...problem,
  });
  problems.push(...checkGraph(ir).map(at));
  if (problems.length > 0) return { ir, problems };

  let eventbridge: ReturnType<typeof eventBridgeSchedules> = [];
  try {
    eventbridge = eventBridgeSchedules(ir.schedule);
  } catch (error) {
    const field = (error as { field?: string }).field ?? 'schedule';
    problems.push(at({ field, message: (error as Error).message }));
    return { ir, problems };
  }

  const ids = ir.tasks.map((task) => task.id);
  const upstreamOf = new Map(ir.tasks.map((task) => [task.id, task.upstream]));
  const plan = planStructure(ids, upstreamOf, earlyStartingTasks(ir));
  let definition = emitAsl(ir, plan);
  const names = stateNames(ids);
  let transitions = transitionStats(ir, definition, names);
  // Mappings whose items a run's history cannot hold become Distributed Maps: emitted again, counted again.
  const chosen = chooseMapModes(ir, transitions);
  if (chosen !== ir) {
    ir = chosen;
    definition = emitAsl(ir, plan);
    transitions = transitionStats(ir, definition, names);
  }
  problems.push(...mapModeProblems(ir).map(at));
  // Measured, not written: the compact text would only be counted (the deployed text is indented).
  const { bytes: definitionBytes, placeholders } = measureDefinition(definition);
  problems.push(...checkLimits(definitionBytes, transitions, ir.tasks.length).map((problem) => at(problem)));
  const manifest = buildManifest({
    ir,
    eventbridge,
    placeholders,
    names,
    states: countStates(definition).total,
    definitionBytes,
    transitions,
    ...(options.bundleEntry !== undefined ? { bundleEntry: options.bundleEntry } : {}),
  });
  // A refused definition is never deployed, so it is not written out: for one over the size quota that would be
  // megabytes nobody reads (deeply nested Parallels make indented JSON grow with depth × lines, past what a
  // string can hold for a 10,000-task random DAG). Its manifest stays, for the figures in `compile --json`.
  if (problems.length > 0) return { ir, problems, definition, manifest };
  return { ir, problems, definition, asl: `${JSON.stringify(definition, null, 2)}\n`, manifest };
}

function emptyIr(dagId: string): DagIR {
  return {
    irVersion: IR_VERSION,
    dagId,
    tags: [],
    schedule: { expression: null, timezone: 'UTC', catchup: false },
    maxActiveRuns: 1,
    maxActiveTasks: 1,
    callbacks: [],
    xcomOffloadBytes: DEFAULT_XCOM_OFFLOAD_BYTES,
    params: {},
    groups: [],
    tasks: [],
  };
}
