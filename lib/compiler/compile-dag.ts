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
import { SPLIT_AT, type SplitThresholds, splitReason } from './machine-split.ts';
import { machinesSummary, splitLimitProblems } from './machines-summary.ts';
import { buildManifest, type DagManifest } from './manifest.ts';
import { chooseMapModes, mapModeProblems } from './map-mode.ts';
import { wideParallelProblems } from './merged-task-records.ts';
import { type SplitMachines, splitMachines, taskHistoryEvents } from './parent-child-machines.ts';
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
  /**
   * @internal When to split into a parent and children (default `SPLIT_AT`, under Step Functions' quotas): tests
   * set small ones to run a small DAG split, and compare it with one machine.
   */
  readonly splitAt?: SplitThresholds;
}

/** A child state machine of a DAG split into a parent and children: its part of the graph, deployed with it. */
export interface CompiledChild {
  /** `part-01`, …: its state machine is named after the parent's with `-<name>` added. */
  readonly name: string;
  readonly taskIds: readonly string[];
  readonly definition: StateMachineDefinition;
  /** As deployed (pretty JSON with a final newline); absent when refused. */
  readonly asl?: string;
}

export interface CompiledDag {
  readonly ir: DagIR;
  /** Every problem found; when non-empty, `definition` and `manifest` are absent or must not be deployed. */
  readonly problems: readonly Problem[];
  readonly definition?: StateMachineDefinition;
  /** The definition as deployed: pretty JSON with a final newline (diff-friendly golden files); absent when refused. */
  readonly asl?: string;
  readonly manifest?: DagManifest;
  /** A DAG too big for one state machine: `definition` is the parent, which starts these (machine-split.ts). */
  readonly children?: readonly CompiledChild[];
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
  let { bytes: definitionBytes, placeholders } = measureDefinition(definition);
  const splitAt = options.splitAt ?? SPLIT_AT;
  const why = splitReason({ definitionBytes, historyEvents: taskHistoryEvents(transitions) }, splitAt);
  let split: SplitMachines | undefined;
  if (why !== undefined && ir.tasks.length > 1) {
    split = splitMachines(
      ir,
      plan.openEarly,
      names,
      { definitionBytes, historyEvents: taskHistoryEvents(transitions) },
      splitAt,
    );
    definition = split.parent;
    transitions = split.transitions;
    const parentMeasure = measureDefinition(definition);
    definitionBytes = parentMeasure.bytes;
    placeholders = [
      ...new Set([...parentMeasure.placeholders, ...split.children.flatMap((child) => child.placeholders)]),
    ].sort();
    problems.push(...splitLimitProblems(split).map((problem) => at(problem)));
    for (const child of split.children) problems.push(...wideParallelProblems(child.definition).map(at));
  } else {
    problems.push(...checkLimits(definitionBytes, transitions, ir.tasks.length).map((problem) => at(problem)));
  }
  problems.push(...wideParallelProblems(definition).map(at));
  const manifest = buildManifest({
    ir,
    eventbridge,
    placeholders,
    names,
    states: countStates(definition).total,
    definitionBytes,
    transitions,
    ...(split !== undefined ? { machines: machinesSummary(split, why!) } : {}),
    ...(options.bundleEntry !== undefined ? { bundleEntry: options.bundleEntry } : {}),
  });
  // A refused definition is never deployed, so it is not written out: for one over the size quota that would be
  // megabytes nobody reads (deeply nested Parallels make indented JSON grow with depth × lines, past what a
  // string can hold for a 10,000-task random DAG). Its manifest stays, for the figures in `compile --json`.
  const children = split?.children.map((child) => ({
    name: child.name,
    taskIds: child.taskIds,
    definition: child.definition,
    ...(problems.length === 0 ? { asl: `${JSON.stringify(child.definition, null, 2)}\n` } : {}),
  }));
  const withChildren = children !== undefined ? { children } : {};
  if (problems.length > 0) return { ir, problems, definition, manifest, ...withChildren };
  return { ir, problems, definition, asl: `${JSON.stringify(definition, null, 2)}\n`, manifest, ...withChildren };
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
