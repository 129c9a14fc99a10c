import type { DagIR } from '../compiler/ir.ts';
import type { Problem } from '../sdk/errors.ts';

/**
 * Why the local engine refuses a `container` task: it runs an image of the author's own on ECS Fargate, and the
 * local engine runs task code, not images (there may be no container runtime at all, and the image's command
 * means nothing on the host). Refusing before the run, with the way to test it, beats a run that fails halfway.
 */
export function containerTaskMessage(dagId: string, image?: string): string {
  return (
    `container tasks run their image on ECS Fargate, which the local engine cannot do${image !== undefined ? ` (image ${image})` : ''}; ` +
    `test it on the deployed stack (airstep sync, then airstep trigger ${dagId}), or leave it out of a local run ` +
    `with --task-regex`
  );
}

/** The tasks of a DAG the local engine cannot run: each `container` task, at its `image`. */
export function localRunProblems(ir: DagIR, file: string): Problem[] {
  return containerProblems(ir, file);
}

function containerProblems(ir: DagIR, file: string): Problem[] {
  return ir.tasks.flatMap((task) =>
    task.kind === 'container'
      ? [
          {
            file,
            dagId: ir.dagId,
            taskId: task.id,
            field: 'image',
            message: containerTaskMessage(ir.dagId, task.fargate.image),
          },
        ]
      : [],
  );
}
