import type { DagManifest } from './manifest.ts';

/**
 * A DAG split into a parent and child state machines runs in the local engine; the deployed stack does not yet
 * create the children, link their executions to the run's records or let the state machine role start them.
 * dag-sync refuses such a DAG with this reason rather than deploy a parent whose children do not exist, and
 * `validate` prints it as a note.
 */
export function splitNotInTheCloud(
  manifest: Pick<DagManifest, 'machines'> | undefined,
): Array<{ readonly field: string; readonly message: string }> {
  const machines = manifest?.machines;
  if (machines === undefined) return [];
  return [
    {
      field: 'tasks',
      message:
        `this DAG runs as a parent state machine and ${machines.children.length} child state machines (${machines.why}); ` +
        'the deployed stack does not create child state machines yet: it runs in `airstep run` and `airstep dev` only (or split it into several DAGs)',
    },
  ];
}
