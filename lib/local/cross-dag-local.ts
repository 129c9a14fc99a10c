import type { DagIR } from '../compiler/ir.ts';
import type { Problem } from '../sdk/errors.ts';

/**
 * Why the local engine refuses a `triggerDag` step before the run: the step starts a run of another deployed DAG
 * through the stack's trigger function, and a local run is one DAG's (`airstep run`, each run of `airstep dev`);
 * a run that started and then failed at the step halfway would say less. The external-task sensor runs locally
 * (it reads the local store: cross-dag-resources.ts).
 */
export function crossDagLocalProblems(ir: DagIR, file: string): Problem[] {
  return ir.tasks.flatMap((task): Problem[] =>
    task.kind === 'trigger_dag'
      ? [
          {
            file,
            dagId: ir.dagId,
            taskId: task.id,
            field: 'dagId',
            message:
              `triggerDag starts a run of another deployed DAG ('${task.trigger.dagId}'), which the local engine cannot do (it runs one DAG's run); ` +
              `test it on the deployed stack (airstep sync, then airstep trigger ${ir.dagId}), run ${task.trigger.dagId} on its own with airstep run, ` +
              'or leave the step out of a local run with --task-regex',
          },
        ]
      : [],
  );
}
