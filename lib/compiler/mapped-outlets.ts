import type { TaskSpec } from '../sdk/task-spec.ts';

/**
 * Outlets on a mapped task are refused. Airflow 3 records an asset event for each mapped task instance that
 * succeeds (each with its own `extra`); Airstep's outlets state sits after the Map and would record one event for
 * the task as a whole, so a consumer would see fewer events than Airflow gives it. Rather than accept the option
 * and do something else, `validate` says so and how to get the events: outlets on a task downstream of the
 * mapping (an `empty` task is enough), which records once when the mapping succeeded. Outlets that come from
 * `defaultArgs` are left off mapped tasks, as any default that does not fit.
 */
export function mappedOutletsCheck(
  spec: Pick<TaskSpec, 'kind'> & { readonly mapping?: unknown },
  ownOptions: readonly string[],
  outlets: number,
): { readonly keep: boolean; readonly problem?: { readonly field: string; readonly message: string } } {
  if (spec.kind !== 'code' || spec.mapping === undefined || outlets === 0) return { keep: true };
  if (!ownOptions.includes('outlets')) return { keep: false };
  return {
    keep: false,
    problem: {
      field: 'outlets',
      message:
        'a mapped task cannot have outlets: Airflow records an event per successful mapped instance, which Airstep does not; put the outlets on a task downstream of it (an empty task is enough)',
    },
  };
}
