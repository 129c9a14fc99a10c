import type { AslState } from './asl-types.ts';
import type { MappedListIR } from './ir.ts';
import { STATE_SUFFIX } from './worker-contract.ts';

/**
 * The states that make the cross product of named lists (Airflow's `.expand(x=…, y=…)`) before a mapped task
 * maps over it, in portable ASL (no intrinsic builds a product): a Pass keeps the literal lists in the task's
 * record, then one Map per list nests the next, the innermost a Pass that builds `{ x, y, … }`, and the
 * outermost flattens the nested result with `$[*][*]…`. The first list is outermost, so an item's index is
 * Airflow's map index (the last list varies fastest). Cost: one transition per combination, one per
 * combination of all but the last list, plus two, before the items run.
 *
 * Writes `{ items: [ { x, y }, … ] }` to `record`, where the mapped task's Map reads its items.
 */
export function crossProductStates(
  stateName: string,
  product: ReadonlyArray<{ readonly name: string; readonly over: MappedListIR }>,
  record: string,
  recordPath: (upstreamId: string) => string,
  /** The mapped task's Catch: a list that is not one fails the task, as for a plain map. */
  errorHandling: Readonly<Record<string, unknown>>,
): Array<[string, AslState]> {
  const literals = Object.fromEntries(
    product.flatMap(({ over }, i) => ('items' in over ? [[`l${i}`, over.items]] : [])),
  );
  // Where each list is read at the outermost level: the literal kept in the record, or the upstream's result.
  const listPath = (i: number) => {
    const { over } = product[i]!;
    return 'task' in over ? `${recordPath(over.task)}.output` : `${record}.lists.l${i}`;
  };
  const levelName = (k: number) => `${stateName}${STATE_SUFFIX.product}${k === 0 ? '' : `_${k}`}`;
  const combination = `${stateName}${STATE_SUFFIX.combination}`;
  const n = product.length;

  const processor = (k: number): { StartAt: string; States: Record<string, AslState> } => {
    if (k === n) {
      const fields = Object.fromEntries(product.map(({ name }, j) => [`${name}.$`, `$.v${j}`]));
      return { StartAt: combination, States: { [combination]: { Type: 'Pass', Parameters: fields, End: true } } };
    }
    return { StartAt: levelName(k), States: { [levelName(k)]: { ...level(k), End: true } } };
  };
  // Level k maps over list k; its items carry the values chosen so far and the lists still to map.
  const level = (k: number) => ({
    Type: 'Map' as const,
    ItemsPath: k === 0 ? listPath(0) : `$.l${k}`,
    ItemSelector: {
      ...Object.fromEntries(Array.from({ length: k }, (_, j) => [`v${j}.$`, `$.v${j}`])),
      [`v${k}.$`]: '$$.Map.Item.Value',
      ...Object.fromEntries(
        Array.from({ length: n - k - 1 }, (_, j) => k + 1 + j).map((j) => [
          `l${j}.$`,
          k === 0 ? listPath(j) : `$.l${j}`,
        ]),
      ),
    },
    MaxConcurrency: 0,
    ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' as const }, ...processor(k + 1) },
  });

  return [
    [
      `${stateName}${STATE_SUFFIX.items}`,
      { Type: 'Pass', Result: { lists: literals }, ResultPath: record, Next: levelName(0) },
    ],
    [
      levelName(0),
      {
        ...level(0),
        ...errorHandling,
        // Lists of combinations nested n deep, flattened into one list in order.
        ResultSelector: { 'items.$': `$${'[*]'.repeat(n)}` },
        ResultPath: record,
        Next: stateName,
      },
    ],
  ];
}
