import { historyOverflow, type MappedHistoryEstimate } from './history-estimate.ts';
import type { DagIR, MappingIR, TaskIR } from './ir.ts';
import { LIMITS, type LimitProblem } from './limits.ts';

/**
 * Inline or distributed, per mapped task. A mapping runs inline (its items' events in the run's own history,
 * the cheapest and what every emulator runs) unless it asks for `distributed: true`, or its items would push a
 * run past the 25,000 events an execution holds: then the fewest such mappings, most events first
 * (`historyOverflow`), become Distributed Maps. Only a mapping that can be distributed may be moved: one list
 * (not a cross product), literal or the result of an unmapped code task, whose worker can write the list where
 * the Map's ItemReader reads it (`distributedSource`). The others stay inline and `checkLimits` refuses them.
 *
 * Returns the IR unchanged when nothing moves, else a copy with `mapping.distributed: 'history'` set.
 */
export function chooseMapModes(
  ir: DagIR,
  history: { readonly historyEvents: number; readonly mapped?: Readonly<Record<string, MappedHistoryEstimate>> },
): DagIR {
  const byId = new Map(ir.tasks.map((task) => [task.id, task]));
  const movable = (id: string) => {
    const task = byId.get(id);
    return task?.kind === 'code' && task.mapping !== undefined && distributedSource(ir, task.mapping) === undefined;
  };
  const { mappings } = historyOverflow(history, LIMITS.historyEvents, movable);
  if (mappings.length === 0) return ir;
  const moving = new Set(mappings);
  return {
    ...ir,
    tasks: ir.tasks.map((task) =>
      task.kind === 'code' && task.mapping !== undefined && moving.has(task.id)
        ? { ...task, mapping: { ...task.mapping, distributed: 'history' as const } }
        : task,
    ),
  };
}

/**
 * Why a mapping cannot run as a Distributed Map, or undefined when it can. Its items must be a literal list or
 * the list an unmapped code task returns: an Airstep worker writes that list whole to the XCom store and answers
 * where (a service task's or a mapped task's result is in the payload, out of the ItemReader's reach).
 */
export function distributedSource(ir: Pick<DagIR, 'tasks'>, mapping: MappingIR): string | undefined {
  const { over } = mapping;
  if ('product' in over) return 'a cross product builds its combinations with inline Maps in the run history';
  if ('items' in over) return undefined;
  const source = ir.tasks.find((task) => task.id === over.task);
  if (source === undefined) return undefined;
  if (source.kind !== 'code' || source.mapping !== undefined || source.role !== 'task') {
    return `its list comes from '${source.id}', ${describeSource(source)}; a Distributed Map reads its items from the XCom store, where only an unmapped code task's worker writes a list`;
  }
  return undefined;
}

function describeSource(task: TaskIR): string {
  if (task.kind !== 'code') return `a ${task.kind.replace('_', ' ')} task`;
  if (task.mapping !== undefined) return 'a mapped task';
  return `a ${task.role.replace('_', '-')} task`;
}

/**
 * The problems of the chosen modes: `distributed: true` on a mapping that cannot be distributed, and tolerated
 * failures on an inline mapping (an inline mapping runs every item and fails the task when one failed: Step
 * Functions' tolerance applies to Distributed Maps only).
 */
export function mapModeProblems(ir: DagIR): LimitProblem[] {
  const problems: LimitProblem[] = [];
  for (const task of ir.tasks) {
    if (task.kind !== 'code' || task.mapping === undefined) continue;
    const { mapping } = task;
    if (mapping.distributed !== undefined) {
      const why = distributedSource(ir, mapping);
      if (why !== undefined) {
        problems.push({ taskId: task.id, field: 'distributed', message: `cannot run as a Distributed Map: ${why}` });
      }
      continue;
    }
    const tolerated = mapping.toleratedFailures;
    if (tolerated === undefined) continue;
    for (const [field, value] of [
      ['toleratedFailureCount', tolerated.count],
      ['toleratedFailurePercentage', tolerated.percentage],
    ] as const) {
      if (value === undefined) continue;
      problems.push({
        taskId: task.id,
        field,
        message:
          'only a distributed mapping tolerates failed items, and this one runs inline (its items fit a run history): ' +
          'an inline mapping runs every item and fails the task when one fails; set distributed: true to tolerate failures',
      });
    }
  }
  return problems;
}

/** How a mapped task runs, and why, in the words `compile` prints (text and `--json`). */
export interface MapModeReport {
  readonly mode: 'inline' | 'distributed';
  readonly reason: string;
}

/** Inline or distributed, and why, from a mapping's estimate (`compile` says it per mapped task). */
export function mapModeReport(m: MappedHistoryEstimate, runHistoryEvents: number): MapModeReport {
  const figures =
    m.items === undefined
      ? `unknown item count (set expectedItems): ${m.eventsPerItem} events per item, counted for one`
      : `${m.items} items × ${m.eventsPerItem} events = ${m.historyEvents} history events inline`;
  if (m.distributed === 'requested') return { mode: 'distributed', reason: `distributed: true (${figures})` };
  if (m.distributed === 'history') {
    return {
      mode: 'distributed',
      reason: `${figures}: a run holds ${LIMITS.historyEvents}, so each item runs as a child execution with its own history`,
    };
  }
  return {
    mode: 'inline',
    reason: `${figures}; the run's ${runHistoryEvents} fit the ${LIMITS.historyEvents} it holds`,
  };
}
