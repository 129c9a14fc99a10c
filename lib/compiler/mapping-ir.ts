import type { MappedListSpec, MappingSpec } from '../sdk/task-spec.ts';
import { distributedMappingIr } from './distributed-mapping-ir.ts';
import { literalItemCount } from './history-estimate.ts';
import type { MappedListIR, MappingIR } from './ir.ts';
import { expectedItemsSchema, zodProblems } from './option-schemas.ts';
import { mappingPayloadProblem } from './params-payload.ts';

type At = (problem: { field?: string; message: string }) => void;

/** A name a cross product's item carries: an identifier, as Airflow's keyword arguments are. */
const LIST_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * A mapped task's mapping checked and turned into the IR: each list is an upstream task (now also read by this
 * task) or a literal JSON list; named lists (a cross product) have identifier names, none also in `partial`.
 */
export function mappingIr(
  mapping: MappingSpec,
  upstream: readonly string[],
  consumed: Set<string>,
  at: At,
  json: (value: unknown, field: string) => boolean,
): MappingIR {
  const { over, partial, maxMapConcurrency, expectedItems } = mapping;
  const list = (source: MappedListSpec, field: string): MappedListIR => {
    if ('task' in source) {
      consumed.add(source.task);
      if (!upstream.includes(source.task)) at({ field, message: `'${source.task}' is not a task of this DAG` });
      return { task: source.task };
    }
    if (!Array.isArray(source.items)) {
      const got = source.items === null ? 'null' : typeof source.items;
      at({ field, message: `must be a list or a task whose result is a list, got ${got}` });
      return { items: [] };
    }
    json(source.items, field);
    return { items: source.items };
  };
  let overIr: MappingIR['over'];
  if ('product' in over) {
    overIr = {
      product: over.product.map(({ name, over: source }) => {
        if (!LIST_NAME.test(name)) {
          at({ field: `over.${name}`, message: `'${name}' must be an identifier (letters, digits, _; at most 64)` });
        }
        if (partial !== undefined && Object.hasOwn(partial, name)) {
          at({ field: `over.${name}`, message: `'${name}' is both mapped and partial; give it in one of them` });
        }
        return { name, over: list(source, `over.${name}`) };
      }),
    };
  } else {
    overIr = list(over, 'over');
  }
  if (partial !== undefined) json(partial, 'partial');
  const tooLarge = mappingPayloadProblem(literalParts(overIr, partial));
  if (tooLarge !== undefined) at({ field: 'over', message: tooLarge });
  if (maxMapConcurrency !== undefined && (!Number.isInteger(maxMapConcurrency) || maxMapConcurrency < 0)) {
    at({ field: 'maxMapConcurrency', message: `must be a whole number >= 0, got ${maxMapConcurrency}` });
  }
  return {
    over: overIr,
    ...(partial !== undefined ? { partial } : {}),
    maxConcurrency: maxMapConcurrency ?? 0,
    ...expectedItemsIr(expectedItems, overIr, at),
    ...distributedMappingIr(mapping, overIr, at),
  };
}

/** `expectedItems` checked: a whole count, given only where no literal list already gives the count. */
function expectedItemsIr(expectedItems: unknown, over: MappingIR['over'], at: At): { expectedItems?: number } {
  if (expectedItems === undefined) return {};
  const parsed = expectedItemsSchema.safeParse(expectedItems);
  if (!parsed.success) {
    for (const problem of zodProblems(parsed.error, 'expectedItems')) at(problem);
    return {};
  }
  const known = literalItemCount(over);
  if (known !== undefined) {
    // Two counts for one list: the literal one is exact, and an ignored option would mislead.
    at({
      field: 'expectedItems',
      message: `the literal list${'product' in over ? 's give' : ' gives'} the count (${known} items); expectedItems is for lists an upstream task returns`,
    });
    return {};
  }
  return { expectedItems: parsed.data };
}

/** The literal lists and partial arguments of a mapping, by the field that gives them. */
function literalParts(over: MappingIR['over'], partial: unknown): Record<string, unknown> {
  const parts: Record<string, unknown> = {};
  if ('items' in over) parts.over = over.items;
  if ('product' in over) {
    for (const { name, over: source } of over.product) if ('items' in source) parts[`over.${name}`] = source.items;
  }
  if (partial !== undefined) parts.partial = partial;
  return parts;
}

/** The upstream tasks whose results a mapping reads as its lists. */
export function mappedOverTasks(mapping: MappingIR | undefined): string[] {
  if (mapping === undefined) return [];
  if ('task' in mapping.over) return [mapping.over.task];
  if ('items' in mapping.over) return [];
  return mapping.over.product.flatMap(({ over }) => ('task' in over ? [over.task] : []));
}
