/**
 * The end-of-run grid: task, state, tries, start, duration and, for a failed or self-skipped task, why — plain
 * text, aligned, one line per task (cut to `width`, the terminal's, so a long reason never wraps the grid).
 */
export interface GridRow {
  readonly task: string;
  readonly state: string;
  readonly tries: number;
  readonly start?: string;
  readonly durationMs?: number;
  /** One line: a failed task's error summary, or a skipped task's reason. */
  readonly reason?: string;
}

export function renderGrid(
  rows: readonly GridRow[],
  paint: (state: string, text: string) => string = (_, text) => text,
  width?: number,
): string {
  const withReasons = rows.some((row) => row.reason !== undefined);
  const header = ['task', 'state', 'tries', 'start', 'duration', ...(withReasons ? ['reason'] : [])];
  const cells = rows.map((row) => [
    row.task,
    row.state,
    String(row.tries),
    row.start !== undefined ? row.start.slice(11, 23) : '-',
    row.durationMs !== undefined ? formatDuration(row.durationMs) : '-',
    ...(withReasons ? [oneLine(row.reason ?? '')] : []),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => cell[i]!.length)));
  const line = (cell: string[]) =>
    cutTo(
      cell
        .map((text, i) => text.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
      width,
    );
  const body = cells.map((cell, index) => {
    const text = line(cell);
    const stateAt = widths[0]! + 2;
    const state = rows[index]!.state;
    if (text.length < stateAt + state.length) return text;
    return `${text.slice(0, stateAt)}${paint(state, state)}${text.slice(stateAt + state.length)}`;
  });
  return `${[line(header), ...body].join('\n')}\n`;
}

/** A text cut to `width` characters, its end marked with `…`; undefined: no limit. */
export function cutTo(text: string, width: number | undefined): string {
  if (width === undefined || width <= 0 || text.length <= width) return text;
  return `${text.slice(0, Math.max(0, width - 1))}…`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}
