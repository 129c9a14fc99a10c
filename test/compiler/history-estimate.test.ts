import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { dominantMapping, historyOverflow, type MappedHistoryEstimate } from '../../lib/compiler/history-estimate.ts';
import { type Dag, dag } from '../../lib/index.ts';
import { formatProblem } from '../../lib/sdk/errors.ts';

const FILE = 'dags/mapped.ts';
const range = (n: number) => Array.from({ length: n }, (_, index) => index);

/** A DAG of one task mapped over a literal list of `n` numbers. */
function literalMapping(n: number): Dag {
  const d = dag({ id: 'mapped' });
  d.expand('each', { over: range(n) }, async (_ctx, item: number) => item * 2);
  return d;
}

/** A DAG whose mapped task maps over an upstream task's result, with `expectedItems` when given. */
function upstreamMapping(expectedItems?: unknown): Dag {
  const d = dag({ id: 'mapped' });
  const list = d.task('list', async () => range(3));
  d.expand(
    'each',
    { over: list, ...(expectedItems !== undefined ? { expectedItems } : {}) } as never,
    async (_ctx, item: number) => item,
  );
  return d;
}

const compiled = (d: Dag) => compileDag(d, { file: FILE });
const problems = (d: Dag) => compiled(d).problems.map(formatProblem);
const history = (d: Dag) => compiled(d).manifest!.stats.transitions;

describe('Function: transitionStats (history events of mapped items)', () => {
  it('counts each item of a literal list: its iteration (2 events) and its worker Task (6)', () => {
    // Act
    const one = history(literalMapping(1));
    const hundred = history(literalMapping(100));

    // Assess
    expect(hundred.mapped).toEqual({
      each: { itemsFrom: 'literal', items: 100, eventsPerItem: 8, historyEvents: 800 },
    });
    expect(hundred.historyEvents - one.historyEvents).toBe(99 * 8);
    expect(hundred.historyEvents).toBe(814);
    // The bill is per run of the states, not per item: the transitions count one item, as before.
    expect(hundred.total).toBe(one.total);
  });

  it('grows with the items, item by item', () => {
    const events = [10, 20, 40].map((n) => history(literalMapping(n)).historyEvents);
    expect(events[1]! - events[0]!).toBe(10 * 8);
    expect(events[2]! - events[1]!).toBe(20 * 8);
  });

  it('counts expectedItems items for a list an upstream task returns', () => {
    const stats = history(upstreamMapping(500));
    expect(stats.mapped).toEqual({
      each: { itemsFrom: 'expectedItems', items: 500, eventsPerItem: 8, historyEvents: 4000 },
    });
    expect(stats.historyEvents - history(upstreamMapping()).historyEvents).toBe(499 * 8);
  });

  it('says when the item count is unknown, and counts one item without claiming a count', () => {
    const stats = history(upstreamMapping());
    expect(stats.mapped).toEqual({ each: { itemsFrom: 'unknown', eventsPerItem: 8, historyEvents: 8 } });
    expect(compiled(upstreamMapping()).problems).toEqual([]);
  });

  it('counts every combination of a cross product, and the Map iterations that build them from literal lists', () => {
    // Prepare: 3 × 2 combinations; each item is its worker Task's iteration (8) plus the iteration and Pass that
    // built its combination (4); the outer level is one Map (4) and an iteration running the inner Map per value
    // of the first list (3 × 6).
    const d = dag({ id: 'mapped' });
    d.expand('add', { over: { x: [1, 2, 3], y: [10, 20] } }, async (_ctx, { x, y }) => x + y);

    // Act, Assess
    expect(history(d).mapped).toEqual({
      add: { itemsFrom: 'literal', items: 6, eventsPerItem: 12, historyEvents: 6 * 12 + 4 + 3 * 6 },
    });
  });

  it('takes the combinations from expectedItems when a list of the product is an upstream task’s', () => {
    // Prepare: the task's list is the last (innermost): the outer level maps the literal x, 3 iterations running
    // the inner Map (6 events each), whatever the task returns.
    const d = dag({ id: 'mapped' });
    const ys = d.task('ys', async () => [10, 20]);
    d.expand('add', { over: { x: [1, 2, 3], y: ys }, expectedItems: 20 }, async (_ctx, { x, y }) => x + y);
    expect(history(d).mapped).toEqual({
      add: { itemsFrom: 'expectedItems', items: 20, eventsPerItem: 12, historyEvents: 20 * 12 + 4 + 3 * 6 },
    });
  });

  describe('the outer levels of a cross product over a task’s list', () => {
    /** The Map states that build a product, outermost first, read from the compiled ASL (cross-product-states.ts). */
    const productLevels = (d: Dag, task: string): string[] => {
      const levels: string[] = [];
      let states = compiled(d).definition!.States as Record<string, { Type: string; ItemProcessor?: unknown }>;
      let name = `${task}:product`;
      while (states[name]?.Type === 'Map') {
        levels.push(name);
        const processor = states[name]!.ItemProcessor as { StartAt: string; States: typeof states };
        states = processor.States;
        name = processor.StartAt;
      }
      // The innermost level's iterations run the Pass that builds one combination.
      expect(states[name]?.Type).toBe('Pass');
      return levels;
    };

    it('counts an iteration of the outer Map per item of the task’s list, from expectedItems over the literal lists', () => {
      // Prepare: x is the task's list (10 items when 20 combinations are expected with y's 2), outermost.
      const d = dag({ id: 'mapped' });
      const xs = d.task('xs', async () => range(10));
      d.expand('add', { over: { x: xs, y: [10, 20] }, expectedItems: 20 }, async (_ctx, { x, y }) => x + y);

      // Assess: two Maps: `add:product` (entered once: 4 events) whose 10 iterations each write 2 events and run
      // `add:product_1` (4): 10 × 6; then each of the 20 combinations: its iteration and Pass (4), and the mapped
      // task's item, its iteration and worker Task (8).
      expect(productLevels(d, 'add')).toEqual(['add:product', 'add:product_1']);
      expect(history(d).mapped).toEqual({
        add: { itemsFrom: 'expectedItems', items: 20, eventsPerItem: 12, historyEvents: 20 * 12 + 4 + 10 * 6 },
      });
    });

    it('counts each level of three: literal lists before it exactly, a task’s list from expectedItems', () => {
      // Prepare: x literal (2), y a task's list (10 expected: 60 / (2 × 3)), z literal (3).
      const d = dag({ id: 'mapped' });
      const ys = d.task('ys', async () => range(10));
      d.expand(
        'add',
        { over: { x: [1, 2], y: ys, z: ['a', 'b', 'c'] }, expectedItems: 60 },
        async (_ctx, { x, y, z }) => `${x}${y}${z}`,
      );

      // Assess: three Maps; level 0 runs `add:product_1` for each x (2 × 6), level 1 runs `add:product_2` for each
      // (x, y) (60 / 3 = 20 iterations × 6), the outermost Map's own 4, and 60 items of 12.
      expect(productLevels(d, 'add')).toEqual(['add:product', 'add:product_1', 'add:product_2']);
      expect(history(d).mapped?.add).toEqual({
        itemsFrom: 'expectedItems',
        items: 60,
        eventsPerItem: 12,
        historyEvents: 60 * 12 + 4 + 2 * 6 + 20 * 6,
      });
    });

    it('counts one iteration of the task’s level when its count is unknown, as it counts one item', () => {
      const d = dag({ id: 'mapped' });
      const xs = d.task('xs', async () => range(10));
      d.expand('add', { over: { x: xs, y: [10, 20] } }, async (_ctx, { x, y }) => x + y);
      expect(history(d).mapped).toEqual({
        add: { itemsFrom: 'unknown', eventsPerItem: 12, historyEvents: 12 + 4 + 6 },
      });
    });

    it('refuses a product that only its outer level pushes over the quota, saying how many combinations fit', () => {
      // Prepare: 1,900 combinations of a task's list (950 expected) and 2 literal values. The items alone write
      // 1,900 × 12 = 22,800 events, under 25,000 with the rest of the run; the outer level's 950 iterations add
      // 950 × 6 = 5,700.
      const d = dag({ id: 'mapped' });
      const xs = d.task('xs', async () => range(950));
      d.expand('add', { over: { x: xs, y: [10, 20] }, expectedItems: 1900 }, async (_ctx, { x, y }) => x + y);
      const stats = history(d);
      expect(stats.mapped?.add?.historyEvents).toBe(1900 * 12 + 4 + 950 * 6);
      const withoutItems = stats.historyEvents - stats.mapped!.add!.historyEvents;
      expect(withoutItems + 1900 * 12 + 4).toBeLessThan(25_000);

      // Act
      const found = compiled(d).problems;

      // Assess: refused on expectedItems (a cross product cannot be distributed); the count said to fit does fit.
      expect(found.map((problem) => [problem.taskId, problem.field])).toEqual([['add', 'expectedItems']]);
      expect(found[0]!.message).toContain(
        `the 1900 items it expects (expectedItems) write about ${1900 * 12 + 4 + 950 * 6} history events`,
      );
      const fit = Number(/map over at most (\d+) items/.exec(found[0]!.message)?.[1]);
      expect(fit).toBeGreaterThan(1);
      const fitting = dag({ id: 'mapped' });
      const fewer = fitting.task('xs', async () => range(fit));
      fitting.expand('add', { over: { x: fewer, y: [10, 20] }, expectedItems: fit }, async (_ctx, { x, y }) => x + y);
      expect(compiled(fitting).problems).toEqual([]);
    });
  });

  it('counts expandKwargs items like expand', () => {
    const d = dag({ id: 'mapped' });
    const kwargs = d.task('kwargs', async () => [{ a: 1 }]);
    d.expandKwargs('each', { over: kwargs, expectedItems: 50 }, async (_ctx, { a }) => a);
    expect(history(d).mapped?.each).toEqual({
      itemsFrom: 'expectedItems',
      items: 50,
      eventsPerItem: 8,
      historyEvents: 400,
    });
  });

  it('names the mapping whose items write the most history', () => {
    const d = dag({ id: 'mapped' });
    const list = d.task('list', async () => [1]);
    d.expand('small', { over: range(5) }, async (_ctx, item: number) => item);
    d.expand('large', { over: list, expectedItems: 90 }, async (_ctx, item: number) => item);
    d.expand('unknown', { over: list }, async (_ctx, item: number) => item);
    expect(dominantMapping(history(d).mapped!)).toBe('large');
  });
});

describe('Function: checkLimits (mapped items)', () => {
  const modes = (d: Dag) =>
    Object.fromEntries(Object.entries(history(d).mapped ?? {}).map(([id, m]) => [id, m.distributed ?? 'inline']));

  it('makes a 10,000-item literal mapping a Distributed Map instead of refusing it (map-mode.test.ts has more)', () => {
    const d = literalMapping(10_000);
    expect(problems(d)).toEqual([]);
    expect(history(d).mapped?.each).toEqual({
      itemsFrom: 'literal',
      items: 10_000,
      eventsPerItem: 8,
      historyEvents: 80_000,
      distributed: 'history',
    });
    // The run holds the Map's own events and its Map Run's two, not the items'.
    expect(history(d).historyEvents).toBeLessThan(40);
  });

  it('keeps the largest count that fits inline, and distributes one item more', () => {
    // 3123 items: 24,984 events, 14 for the rest of the run.
    expect(compiled(literalMapping(3123)).problems).toEqual([]);
    expect(history(literalMapping(3123)).historyEvents).toBe(24_998);
    expect(modes(literalMapping(3123))).toEqual({ each: 'inline' });
    expect(modes(literalMapping(3124))).toEqual({ each: 'history' });
  });

  it('distributes the largest mappings until the rest would fit, not a small one beside them', () => {
    const d = dag({ id: 'mapped' });
    d.expand('small', { over: range(10) }, async (_ctx, item: number) => item);
    d.expand('first', { over: range(2000) }, async (_ctx, item: number) => item);
    d.expand('second', { over: range(1900) }, async (_ctx, item: number) => item);
    expect(problems(d)).toEqual([]);
    expect(modes(d)).toEqual({ small: 'inline', first: 'history', second: 'inline' });
    expect(history(d).historyEvents).toBeLessThanOrEqual(25_000);
  });

  it('never distributes a mapping of unknown count beside one it distributes', () => {
    const d = dag({ id: 'mapped' });
    const list = d.task('list', async () => [1]);
    d.expand('known', { over: list, expectedItems: 3250 }, async (_ctx, item: number) => item);
    d.expand('unknown', { over: list }, async (_ctx, item: number) => item);
    expect(problems(d)).toEqual([]);
    expect(modes(d)).toEqual({ known: 'history', unknown: 'inline' });
  });

  it('distributes as many mappings as the run needs', () => {
    const e = dag({ id: 'mapped' });
    const items = e.task('list', async () => [1]);
    e.expand('big', { over: items, expectedItems: 4000 }, async (_ctx, item: number) => item);
    e.expand('bigger', { over: items, expectedItems: 4000 }, async (_ctx, item: number) => item);
    e.expand('biggest', { over: items, expectedItems: 9000 }, async (_ctx, item: number) => item);
    e.expand('small', { over: items, expectedItems: 100 }, async (_ctx, item: number) => item);
    expect(problems(e)).toEqual([]);
    expect(modes(e)).toEqual({ big: 'history', bigger: 'history', biggest: 'history', small: 'inline' });
  });

  it('still refuses a cross product over the quota (it cannot be distributed), with the figures and how many fit', () => {
    const d = dag({ id: 'mapped' });
    d.expand('add', { over: { x: range(100), y: range(100) } }, async (_ctx, { x, y }) => x + y);
    const found = compiled(d).problems;
    expect(found.map((problem) => [problem.taskId, problem.field])).toEqual([['add', 'over']]);
    expect(found[0]!.message).toMatch(
      /^the 10000 items of its literal list write about \d+ history events \(12 per item\), and a run about \d+, over Step Functions' 25000 per execution: an inline Map writes every item's events into the run's own history; map over at most \d+ items in a run here/,
    );
  });

  it('splits a run too long without its items into child machines, leaving its mapping inline', () => {
    // Prepare: 4,200 independent tasks write over 25,000 events (6 each) with no mapping at all.
    const d = dag({ id: 'mapped' });
    for (let i = 0; i < 4200; i++) d.task(`t${i}`, async () => i);
    d.expand('each', { over: range(10) }, async (_ctx, item: number) => item);

    // Act
    const { problems: found, manifest, children } = compiled(d);

    // Assess: fewer items would not help, so the mapping is not blamed nor moved: the tasks are cut into child
    // state machines, each execution under the quota (machine-split.ts).
    expect(found).toEqual([]);
    expect(children!.length).toBeGreaterThanOrEqual(2);
    expect(manifest!.stats.transitions.mapped!.each!.distributed).toBeUndefined();
    for (const child of manifest!.machines!.children) expect(child.historyEvents).toBeLessThan(25_000);
  });
});

describe('Function: historyOverflow (the choice an inline Map leaves)', () => {
  const known = (items: number): MappedHistoryEstimate => ({
    itemsFrom: 'expectedItems',
    items,
    eventsPerItem: 10,
    historyEvents: items * 10,
  });
  const unknown: MappedHistoryEstimate = { itemsFrom: 'unknown', eventsPerItem: 10, historyEvents: 10 };

  it('chooses nothing when the run fits', () => {
    expect(historyOverflow({ historyEvents: 1000, mapped: { a: known(99) } }, 1000)).toEqual({
      mappings: [],
      withoutItems: false,
    });
  });

  it('chooses the mappings with the most events first, until the run fits with each of them at one item', () => {
    // 50 events besides the items: a (600) alone is not enough to leave, a and b (600 + 400) are.
    const mapped = { a: known(60), b: known(40), c: known(5), d: unknown };
    expect(historyOverflow({ historyEvents: 50 + 600 + 400 + 50 + 10, mapped }, 500)).toEqual({
      mappings: ['a', 'b'],
      withoutItems: false,
    });
  });

  it('never chooses a mapping of unknown count, and says when no choice of mappings would be enough', () => {
    expect(historyOverflow({ historyEvents: 2000, mapped: { a: known(60), d: unknown } }, 1000)).toEqual({
      mappings: [],
      withoutItems: true,
    });
  });
});

describe('Option: expectedItems', () => {
  it.each([
    [-5, 'must be at least 1 (the most items a run of the task maps over)'],
    [0, 'must be at least 1 (the most items a run of the task maps over)'],
    [2.5, 'must be a whole number of items, got 2.5'],
    ['many', 'must be a whole number of items, got "many"'],
    [null, 'must be a whole number of items, got null'],
  ])('refuses %j with the file, DAG, task and field', (value, message) => {
    expect(problems(upstreamMapping(value))).toEqual([`${FILE} › dag mapped › task each › expectedItems: ${message}`]);
  });

  it('refuses it where literal lists already give the count', () => {
    const d = dag({ id: 'mapped' });
    d.expand('each', { over: [1, 2, 3], expectedItems: 3000 }, async (_ctx, item: number) => item);
    d.expand('add', { over: { x: [1, 2], y: [3] }, expectedItems: 9 }, async (_ctx, { x, y }) => x + y);
    expect(problems(d)).toEqual([
      `${FILE} › dag mapped › task add › expectedItems: the literal lists give the count (2 items); expectedItems is for lists an upstream task returns`,
      `${FILE} › dag mapped › task each › expectedItems: the literal list gives the count (3 items); expectedItems is for lists an upstream task returns`,
    ]);
  });

  it('changes nothing in the compiled state machine: it only feeds the estimate', () => {
    expect(compiled(upstreamMapping(500)).asl).toBe(compiled(upstreamMapping()).asl);
  });
});
