import type { MappedListIR, MappingIR } from './ir.ts';

/**
 * What a run's mapped tasks write into its Step Functions execution history, which holds at most 25,000 events
 * (`LIMITS.historyEvents`). The AWS facts this counts on:
 *
 * - An inline Map (the only kind Airstep emits) runs each iteration in the context of the execution that holds the
 *   Map, and adds the iterations' history to that execution's; AWS advises Inline mode only while that history stays
 *   under 25,000 entries, and Distributed mode (child executions with histories of their own) past it.
 *   @see https://docs.aws.amazon.com/step-functions/latest/dg/concepts-map-process-modes.html
 * - Each iteration writes `MapIterationStarted` and `MapIterationSucceeded`, besides the events of the states it
 *   runs: a Task `TaskStateEntered`, `TaskScheduled`, `TaskStarted`, `TaskSubmitted`, `TaskSucceeded` and
 *   `TaskStateExited`; a Pass `PassStateEntered` and `PassStateExited`; a Map `MapStateEntered`, `MapStateStarted`,
 *   `MapStateSucceeded` and `MapStateExited` (the `HistoryEvent` types).
 *   @see https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
 */
export const MAP_ITERATION_EVENTS = 2;
/** A Map state's own events, once per time it is entered (its iterations' are counted apart). */
export const MAP_STATE_EVENTS = 4;
/** A Pass state's events. */
export const PASS_STATE_EVENTS = 2;

/** Where a mapped task's item count comes from: its literal list(s), the author's `expectedItems`, or nowhere. */
export type ItemsFrom = 'literal' | 'expectedItems' | 'unknown';

export interface MappedHistoryEstimate {
  readonly itemsFrom: ItemsFrom;
  /** The item count the estimate uses; absent when it is unknown, and the estimate then counts one item. */
  readonly items?: number;
  /**
   * Events one item writes on the path where it succeeds at its first try: its iteration's two and its states'
   * (for a cross product, also those of the iteration that built its combination).
   */
  readonly eventsPerItem: number;
  /**
   * Events the mapping's items write in a run: items (or one, when unknown) × `eventsPerItem`, plus the outer
   * levels of a cross product (its outermost Map's four events, and six per combination of the lists before each
   * level but the first: an iteration running the next level's Map), exact where those lists are literal, else
   * derived from the item count (see `outerIterations`).
   */
  readonly historyEvents: number;
  /**
   * The mapping runs as a Distributed Map (requested, or chosen for the history): its items' events are in child
   * executions' histories, and the run's holds only `DISTRIBUTED_MAP_RUN_EVENTS` besides the Map state's own.
   * `historyEvents` stays what the items would write inline, the figure the choice was made on.
   */
  readonly distributed?: 'requested' | 'history';
}

/**
 * A Distributed Map's events in the run's history besides its Map state's four: `MapRunStarted` and
 * `MapRunSucceeded` (its items' events are in their child executions' histories).
 */
export const DISTRIBUTED_MAP_RUN_EVENTS = 2;

/** The events a mapping's items add to the run's own history. */
export function runHistoryEvents(m: MappedHistoryEstimate): number {
  return m.distributed !== undefined ? DISTRIBUTED_MAP_RUN_EVENTS : m.historyEvents;
}

/** The number of items literal lists give (for named lists, their combinations), or undefined when one is a task's. */
export function literalItemCount(over: MappingIR['over']): number | undefined {
  if ('items' in over) return over.items.length;
  if ('task' in over) return undefined;
  let count = 1;
  for (const { over: list } of over.product) {
    if (!('items' in list)) return undefined;
    count *= list.items.length;
  }
  return count;
}

/** The item count of a mapping, and where it comes from. */
export function mappedItemCount(mapping: MappingIR): { readonly itemsFrom: ItemsFrom; readonly items?: number } {
  const literal = literalItemCount(mapping.over);
  if (literal !== undefined) return { itemsFrom: 'literal', items: literal };
  if (mapping.expectedItems !== undefined) return { itemsFrom: 'expectedItems', items: mapping.expectedItems };
  return { itemsFrom: 'unknown' };
}

/**
 * The history a mapping's items write, given the events of the states one item runs (`itemStateEvents`).
 * A cross product is built first by one nested Map per list (cross-product-states.ts): each combination is an
 * iteration running a Pass, each combination of the lists before the last an iteration running the next Map.
 */
export function mappedHistoryEstimate(mapping: MappingIR, itemStateEvents: number): MappedHistoryEstimate {
  const count = mappedItemCount(mapping);
  const { over } = mapping;
  let eventsPerItem = MAP_ITERATION_EVENTS + itemStateEvents;
  let outer = 0;
  if ('product' in over) {
    eventsPerItem += MAP_ITERATION_EVENTS + PASS_STATE_EVENTS;
    outer = MAP_STATE_EVENTS;
    const lists = over.product.map(({ over: list }) => list);
    for (let level = 0; level < lists.length - 1; level++) {
      outer += outerIterations(lists, level, count.items ?? 1) * (MAP_ITERATION_EVENTS + MAP_STATE_EVENTS);
    }
  }
  return { ...count, eventsPerItem, historyEvents: (count.items ?? 1) * eventsPerItem + outer };
}

/**
 * The iterations of a cross product's level `level` that each run the next level's Map: the combinations of
 * lists 0..level. Exact when those lists are literal. Otherwise taken from the product's item count (`items`,
 * the combinations of every list: `expectedItems`, or one when unknown, as the estimate counts it):
 * items / the lengths of the literal lists after `level`, exact when those are all literal, and a bound when a
 * task's list is among them (it has at least one item when the product has any).
 */
function outerIterations(lists: readonly MappedListIR[], level: number, items: number): number {
  const before = lists.slice(0, level + 1);
  if (before.every((list) => 'items' in list)) return product(before);
  const literalAfter = lists.slice(level + 1).filter((list) => 'items' in list);
  // An empty literal list after the level says nothing of the levels before it: counted as one item.
  return Math.ceil(items / Math.max(1, product(literalAfter)));
}

function product(lists: readonly MappedListIR[]): number {
  return lists.reduce((combinations, list) => combinations * ('items' in list ? list.items.length : 1), 1);
}

/** The mapped task whose items write the most history (the first by id on a tie), or undefined when none. */
export function dominantMapping(mapped: Readonly<Record<string, MappedHistoryEstimate>>): string | undefined {
  let best: string | undefined;
  for (const id of Object.keys(mapped).sort()) {
    if (best === undefined || mapped[id]!.historyEvents > mapped[best]!.historyEvents) best = id;
  }
  return best;
}

/** Why a run's history is over the quota: which mapped tasks' items must leave it, if that is enough. */
export interface HistoryOverflow {
  /**
   * The mapped tasks (of known count) whose items must leave the run's own history for the run to fit, most
   * events first: the fewest such that the run would fit with each of them at one item. Empty when the run fits,
   * and when it would not fit even then.
   */
  readonly mappings: readonly string[];
  /** The run would be over even with every mapping at one item: the DAG itself is too large for one execution. */
  readonly withoutItems: boolean;
}

/**
 * The choice an inline Map leaves: the mappings whose items a run's history cannot hold. `chooseMapModes` makes
 * them Distributed Maps (each item a child execution with its own history); `checkLimits` refuses those that
 * cannot be (a cross product).
 * Mappings of unknown count are counted at one item, so they are never chosen: their count must be declared.
 */
export function historyOverflow(
  history: { readonly historyEvents: number; readonly mapped?: Readonly<Record<string, MappedHistoryEstimate>> },
  /** The events an execution's history holds (`LIMITS.historyEvents`). */
  limit: number,
  /** The mappings that may leave (the others stay, counted as they are); all by default. */
  movable: (taskId: string) => boolean = () => true,
): HistoryOverflow {
  if (history.historyEvents <= limit) return { mappings: [], withoutItems: false };
  // A distributed mapping's items already write nothing here.
  const known = Object.entries(history.mapped ?? {})
    .filter(([id, m]) => m.items !== undefined && m.items > 1 && m.distributed === undefined && movable(id))
    .sort(([a, m], [b, n]) => n.historyEvents - m.historyEvents || (a < b ? -1 : 1));
  const extra = (m: MappedHistoryEstimate) => (m.items! - 1) * m.eventsPerItem;
  const withOneItemEach = known.reduce((events, [, m]) => events - extra(m), history.historyEvents);
  if (withOneItemEach > limit) return { mappings: [], withoutItems: true };
  let remaining = history.historyEvents;
  const mappings: string[] = [];
  for (const [id, m] of known) {
    if (remaining <= limit) break;
    remaining -= extra(m);
    mappings.push(id);
  }
  return { mappings, withoutItems: false };
}
