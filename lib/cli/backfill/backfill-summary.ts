import type { RunState } from '../../compiler/run-states.ts';
import type { colours } from '../output.ts';
import { formatDuration } from '../render-grid.ts';
import { renderTable } from '../render-table.ts';
import { paintState } from '../run-output.ts';
import type { SkipNote } from './reprocess.ts';

type Colours = ReturnType<typeof colours>;

/** One interval of a backfill, local or cloud, as the summary shows it. */
export interface BackfillRun {
  readonly runId: string;
  readonly logicalDate: string;
  readonly dataIntervalStart: string;
  readonly dataIntervalEnd: string;
  /** `planned` before it starts; `not_started` when an interrupt kept it from starting. */
  state: RunState | 'planned' | 'skipped' | 'not_started' | 'unknown';
  durationMs?: number;
  /** Why a run was skipped. */
  note?: SkipNote;
  /** The run's Step Functions execution (cloud runs). */
  executionArn?: string;
}

/** A backfill is good when every run it owns succeeded and every run it left alone had already succeeded. */
export function backfillSucceeded(runs: readonly BackfillRun[]): boolean {
  return runs.every((run) => run.state === 'success' || run.note === 'already succeeded');
}

/** The table a backfill ends with (run id, state, duration and why a run was skipped) and its last line. */
export function backfillSummary(c: Colours, runs: readonly BackfillRun[]): string {
  const table = renderTable(
    ['run id', 'state', 'duration'],
    runs.map((run) => [
      run.runId,
      run.state,
      `${run.durationMs !== undefined ? formatDuration(run.durationMs) : '-'}${run.note !== undefined ? `  (${run.note})` : ''}`,
    ]),
    (row, column, text) => (column === 1 ? paintState(c, runs[row]!.state, text) : text),
  );
  const counts = new Map<string, number>();
  for (const run of runs) counts.set(run.state, (counts.get(run.state) ?? 0) + 1);
  const summary = [...counts.entries()].map(([state, count]) => `${count} ${state}`).join(', ');
  const last = backfillSucceeded(runs) ? c.green(`backfill done: ${summary}`) : c.red(`backfill failed: ${summary}`);
  return `\n${table}${last}\n`;
}

/** The `--dry-run` listing: run id, logical date and data interval of each run. */
export function backfillPlanTable(runs: readonly BackfillRun[]): string {
  return renderTable(
    ['run id', 'logical date', 'data interval'],
    runs.map((run) => [run.runId, run.logicalDate, `${run.dataIntervalStart} → ${run.dataIntervalEnd}`]),
  );
}
