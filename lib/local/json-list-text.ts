/**
 * The text `JSON.stringify(items, null, 2)` gives for a list, produced a slice at a time: a run's `tasks.json`
 * holds a record per map item (100,000 items: about 60 MB of text), and building it as one string, beside the
 * records it was made from, was most of a large map's peak memory. Each slice holds `perSlice` items; the
 * items are read from the iterable as slices are asked for, so a caller may make them as it goes.
 */
export function* jsonListSlices(items: Iterable<unknown>, perSlice = 500): Generator<string> {
  let slice = '[';
  let count = 0;
  for (const item of items) {
    // An item's own lines, one level deeper: a JSON text has no raw newline inside a string, so each `\n`
    // starts a line.
    slice += `${count === 0 ? '' : ','}\n  ${JSON.stringify(item ?? null, null, 2).replaceAll('\n', '\n  ')}`;
    if (++count % perSlice === 0) {
      yield slice;
      slice = '';
    }
  }
  yield `${slice}${count === 0 ? ']' : '\n]'}`;
}
