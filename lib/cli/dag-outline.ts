import type { DagIR, TaskIR } from '../compiler/ir.ts';
import type { DagManifest } from '../compiler/manifest.ts';
import { taskCompute } from '../compiler/task-compute.ts';

/**
 * A DAG's tasks and groups as `list --json` prints them and `airstep ui` draws them (graph, grid, task view): each
 * task's place in the graph and the options a person looks for first. Made from the compiled IR for DAG files, and
 * from the stored manifest for a deployed DAG version, so both say the same.
 */
export interface DagOutline {
  readonly tasks: readonly TaskOutline[];
  readonly groups: readonly string[];
}

export interface TaskOutline {
  readonly id: string;
  readonly kind: string;
  readonly groups: readonly string[];
  readonly upstream: readonly string[];
  readonly triggerRule: string;
  readonly retries: number;
  readonly mapped: boolean;
  readonly pool?: string;
  readonly compute?: 'lambda' | 'fargate';
  readonly size?: { readonly cpu: number; readonly memory: number };
  readonly doc?: string;
}

export function outlineOfIr(ir: DagIR): DagOutline {
  return { tasks: ir.tasks.map(taskOutline), groups: ir.groups.map((group) => group.id) };
}

export function outlineOfManifest(manifest: DagManifest): DagOutline {
  return {
    tasks: manifest.tasks.map((task) => ({
      id: task.id,
      kind: task.kind,
      groups: task.groups,
      upstream: task.upstream,
      triggerRule: task.triggerRule,
      retries: task.retries,
      mapped: task.mapped,
      ...(task.pool !== undefined ? { pool: task.pool.name } : {}),
      ...(task.compute !== undefined ? { compute: task.compute } : {}),
      ...(task.size !== undefined ? { size: task.size } : {}),
      ...(task.doc !== undefined ? { doc: task.doc } : {}),
    })),
    groups: (manifest.taskGroups ?? []).map((group) => group.id),
  };
}

function taskOutline(task: TaskIR): TaskOutline {
  return {
    id: task.id,
    kind: task.kind,
    groups: task.groups,
    upstream: task.upstream,
    triggerRule: task.triggerRule,
    retries: task.retry.retries,
    mapped: task.kind === 'code' && task.mapping !== undefined,
    ...(task.pool !== undefined ? { pool: task.pool.name } : {}),
    ...taskCompute(task),
    ...(task.doc !== undefined ? { doc: task.doc } : {}),
  };
}
