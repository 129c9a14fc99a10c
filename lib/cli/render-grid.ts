/** The end-of-run grid: task, state, tries, start, duration — plain text, aligned. */
export interface GridRow {
  readonly task: string;
  readonly state: string;
  readonly tries: number;
  readonly start?: string;
  readonly durationMs?: number;
}

export function renderGrid(
  rows: readonly GridRow[],
  paint: (state: string, text: string) => string = (_, text) => text,
): string {
  const header = ['task', 'state', 'tries', 'start', 'duration'];
  const cells = rows.map((row) => [
    row.task,
    row.state,
    String(row.tries),
    row.start !== undefined ? row.start.slice(11, 23) : '-',
    row.durationMs !== undefined ? formatDuration(row.durationMs) : '-',
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => cell[i]!.length)));
  const line = (cell: string[]) =>
    cell
      .map((text, i) => text.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const body = cells.map((cell, index) => {
    const text = line(cell);
    const stateAt = widths[0]! + 2;
    const state = rows[index]!.state;
    return `${text.slice(0, stateAt)}${paint(state, state)}${text.slice(stateAt + state.length)}`;
  });
  return `${[line(header), ...body].join('\n')}\n`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}
