import type { StateMachineDefinition } from './asl-types.ts';

const OWN_EXECUTION = /\$\$\.Execution\.Id\b/g;

/**
 * A child machine of a split DAG (parent-child-machines.ts) with every `$$.Execution.Id` it reads replaced by the
 * run's execution (the parent's, at `runExecutionPath`). Workers, pools, gates, XCom, asset events and the
 * task-instance records all key a run by the execution ARN a state hands them (worker payload, Fargate env,
 * outlet event ids, a Distributed Map's item input); a child's own id would make each child a run of its own:
 * pool slots not shared, a clear or a callback not finding the run. Rewriting the emitted child, rather than
 * threading the path through every state emitter, leaves no place that reads `$$.Execution.Id` behind.
 *
 * A Distributed Map's item processor is left as it is: its items run as executions of their own, and read the
 * run's execution from their input (`$.executionArn`, put there by the Map's ItemSelector, which is rewritten).
 */
export function keyedByRun(definition: StateMachineDefinition, runExecutionPath: string): StateMachineDefinition {
  return rewrite(definition, runExecutionPath) as StateMachineDefinition;
}

/** Only a path or an intrinsic (the value of a `.$` key) reads the context; literal text is the author's. */
function rewrite(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((item) => rewrite(item, path));
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  const distributed =
    object.Type === 'Map' &&
    (object.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined)?.ProcessorConfig?.Mode ===
      'DISTRIBUTED';
  return Object.fromEntries(
    Object.entries(object).map(([key, inner]) => {
      if (typeof inner === 'string')
        return [key, key.endsWith('.$') ? inner.replace(OWN_EXECUTION, () => path) : inner];
      return [key, distributed && key === 'ItemProcessor' ? inner : rewrite(inner, path)];
    }),
  );
}
