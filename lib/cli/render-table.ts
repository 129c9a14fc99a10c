/** A plain-text table: a header row and aligned columns, two spaces apart. */
export function renderTable(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  /** Paints a cell after alignment (colour codes would break the padding if added before). */
  paint: (row: number, column: number, text: string) => string = (_row, _column, text) => text,
): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[], row: number) =>
    cells
      .map((text, column) => {
        const padded = column === cells.length - 1 ? text : text.padEnd(widths[column]!);
        return row < 0 ? padded : paint(row, column, text) + padded.slice(text.length);
      })
      .join('  ')
      .trimEnd();
  return `${[line(header, -1), ...rows.map((cells, row) => line(cells, row))].join('\n')}\n`;
}
