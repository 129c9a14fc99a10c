import { NonRetryableError } from './errors.ts';
import { TaskRef } from './task-ref.ts';
import type { AnyTaskFunction, MappedListSpec, MappingSpec } from './task-spec.ts';

/**
 * What `expand` maps over, as the spec records it: an upstream task, a literal list, or named lists (a cross
 * product). A value that is none of these is reported at `over` and mapped as an empty list.
 */
export function mappingSource(over: unknown, problem: (field: string, message: string) => void): MappingSpec['over'] {
  if (over instanceof TaskRef || Array.isArray(over)) return listSource(over);
  if (!isPlainObject(over)) return { items: over as never };
  const product = Object.entries(over).map(([name, list]) => {
    if (!(list instanceof TaskRef) && !Array.isArray(list)) {
      problem(`over.${name}`, `must be a list or a task whose result is a list, got ${describe(list)}`);
    }
    return { name, over: listSource(list) };
  });
  if (product.length === 0) problem('over', 'names no list to map over');
  return { product };
}

function listSource(list: unknown): MappedListSpec {
  return list instanceof TaskRef ? { task: list.id } : { items: Array.isArray(list) ? list : [] };
}

/** The upstream tasks whose results are mapped over: each is also a dependency. */
export function mappedTaskRefs(over: unknown): TaskRef[] {
  if (over instanceof TaskRef) return [over];
  if (Array.isArray(over) || !isPlainObject(over)) return [];
  return Object.values(over).filter((list): list is TaskRef => list instanceof TaskRef);
}

/**
 * The function a worker calls for an `expandKwargs` item: the worker passes `(ctx, item, { ...partial, ...inputs })`
 * as for any mapped task; the author's function gets `{ ...partial, ...item }` and its inputs alone. An item that
 * is not an object fails at once (Airflow refuses to map over one too).
 */
export function kwargsCaller(
  taskId: string,
  partial: Readonly<Record<string, unknown>>,
  inputNames: readonly string[],
  fn: AnyTaskFunction,
): AnyTaskFunction {
  return (ctx, item: unknown, merged: Readonly<Record<string, unknown>>) => {
    if (!isPlainObject(item)) {
      throw new NonRetryableError(
        `expandKwargs task '${taskId}' item ${String((ctx as { mapIndex?: unknown }).mapIndex)} must be an object of arguments, got ${describe(item)}`,
      );
    }
    const inputs = Object.fromEntries(inputNames.map((name) => [name, merged?.[name]]));
    return fn(ctx, { ...partial, ...item }, inputs);
  };
}

export function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof TaskRef);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value;
}
