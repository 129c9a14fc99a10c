import type { DagIR } from './ir.ts';

/**
 * What of the assets feature the deployed stack does not do yet: no asset event is recorded in the cloud and no
 * run is started on one. A DAG using assets runs locally (`airstep run`, `airstep dev`); dag-sync refuses to
 * deploy it with these reasons rather than deploy a schedule that never fires or outlets that record nothing,
 * and `validate` / `compile` print them as notes.
 */
export function assetsNotInTheCloud(
  ir: Pick<DagIR, 'assets' | 'tasks'>,
): Array<{ readonly taskId?: string; readonly field: string; readonly message: string }> {
  const problems: Array<{ taskId?: string; field: string; message: string }> = [];
  if (ir.assets !== undefined)
    problems.push({
      field: 'schedule',
      message:
        'asset schedules are not available in the deployed stack yet (no asset event reaches it): the DAG runs on assets in `airstep dev` only',
    });
  for (const task of ir.tasks)
    if ((task.outlets ?? []).length > 0)
      problems.push({
        taskId: task.id,
        field: 'outlets',
        message:
          'asset events are not recorded in the deployed stack yet: outlets work in `airstep run` and `airstep dev` only',
      });
  return problems;
}
