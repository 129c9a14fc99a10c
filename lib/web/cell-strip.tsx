import { useLayoutEffect, useRef } from 'preact/hooks';

/** What a strip shows: a cell per key (a run, oldest first) coloured by its state, each named for screen readers. */
export interface CellStripProps {
  readonly keys: readonly string[];
  readonly states: readonly string[];
  /** A cell's tooltip and accessible name. */
  readonly name: (key: string, state: string) => string;
  /** Where a cell leads: given, the cells are links; otherwise plain marks. */
  readonly link?: (key: string) => string;
}

interface Shown {
  readonly keys: readonly string[];
  readonly states: readonly string[];
  readonly cells: readonly Element[];
}

/**
 * A row of grid cells, each one element and nothing else (`<a data-state href title>` or `<span data-state
 * title>`), made with the DOM directly rather than by Preact: a grid of 100 runs × 50 tasks is 5,000 of them, and a
 * virtual node for each cost more than the cells themselves. On a later render only what changed is touched: a
 * cell whose state changed gets its new state and name; a new run's cell is added, a gone run's removed, the others
 * (and the keyboard focus on one) stay.
 */
export function CellStrip(props: CellStripProps) {
  const strip = useRef<HTMLDivElement>(null);
  const shown = useRef<Shown | undefined>(undefined);
  useLayoutEffect(() => {
    shown.current = update(strip.current!, shown.current, props);
  });
  return <div class="strip" ref={strip} />;
}

function update(strip: HTMLElement, before: Shown | undefined, props: CellStripProps): Shown {
  const { keys, states, name, link } = props;
  const old = new Map(
    before?.keys.map((key, at) => [key, { cell: before.cells[at]!, state: before.states[at]! }] as const),
  );
  const kept = new Set(keys);
  for (const [key, { cell }] of old) if (!kept.has(key)) cell.remove();
  const cells = keys.map((key, at) => {
    const state = states[at] ?? 'none';
    const found = old.get(key);
    // Attributes before the cell is placed: a cell not yet in the document costs no style invalidation to set.
    const cell = found?.cell ?? document.createElement(link !== undefined ? 'a' : 'span');
    if (found === undefined && link !== undefined) cell.setAttribute('href', link(key));
    if (found?.state !== state) {
      cell.setAttribute('data-state', state);
      // `title` is a cell's hover tooltip and, as a link has no text, its accessible name too: one write for both.
      cell.setAttribute('title', name(key, state));
    }
    return cell;
  });
  if (strip.firstChild === null) strip.append(...cells);
  else {
    let next = strip.firstElementChild;
    for (const cell of cells) {
      if (cell === next) next = cell.nextElementSibling;
      else strip.insertBefore(cell, next);
    }
  }
  return { keys, states, cells };
}
