import type { ExecutionResult } from '../local/interpreter.ts';
import type { RunRecord, TaskRecord } from '../local/local-store.ts';
import type { TaskInstance } from '../local/run-dag.ts';
import { type colours, EXIT, printJson } from './output.ts';
import { renderGrid } from './render-grid.ts';

type Colours = ReturnType<typeof colours>;

/** How `run`, `start`, `backfill` and `dev` show a run: live lines while it runs, then a grid. */
export function paintState(c: Colours, state: string, text = state): string {
  return state === 'success'
    ? c.green(text)
    : state === 'failed' || state === 'upstream_failed'
      ? c.red(text)
      : state === 'skipped'
        ? c.dim(text)
        : c.yellow(text);
}

/** One line per task state change. */
export function taskChangeLine(c: Colours, task: TaskInstance): string {
  const name = task.mapIndex >= 0 ? `${task.taskId}[${task.mapIndex}]` : task.taskId;
  const tries = task.tries > 1 ? c.dim(` (try ${task.tries})`) : '';
  const why = task.state === 'failed' ? (task.errorMessage ?? task.error) : task.reason;
  const reason = why !== undefined ? c.dim(`: ${why}`) : '';
  return `  ${paintState(c, task.state, task.state.padEnd(15))} ${name}${tries}${reason}`;
}

/** A grid row's reason: why a task failed (its error's one-line summary, or its name alone) or skipped itself. */
export function gridReason(task: {
  readonly state: string;
  readonly error?: string;
  readonly errorMessage?: string;
  readonly reason?: string;
}): string | undefined {
  if (task.errorMessage !== undefined || task.error !== undefined) return task.errorMessage ?? task.error;
  return task.state === 'skipped' ? task.reason : undefined;
}

/** The terminal's width, to cut grid rows to; none when stdout is not a terminal (a log file keeps whole lines). */
export function terminalWidth(stream: NodeJS.WriteStream = process.stdout): number | undefined {
  return stream.isTTY === true && stream.columns > 0 ? stream.columns : undefined;
}

/** The grid of task instances, in the order they started (tasks that never started last). */
export function runGrid(
  c: Colours,
  tasks: readonly (TaskRecord & { readonly errorMessage?: string })[],
  width = terminalWidth(),
): string {
  const ordered = [...tasks].sort(
    (a, b) =>
      (a.startedAt ?? '\uffff').localeCompare(b.startedAt ?? '\uffff') ||
      a.taskId.localeCompare(b.taskId) ||
      a.mapIndex - b.mapIndex,
  );
  return renderGrid(
    ordered.map((task) => ({
      task: task.mapIndex >= 0 ? `${task.taskId}[${task.mapIndex}]` : task.taskId,
      state: task.state,
      tries: task.tries,
      ...(task.startedAt !== undefined ? { start: task.startedAt } : {}),
      ...(task.durationMs !== undefined ? { durationMs: task.durationMs } : {}),
      ...(gridReason(task) !== undefined ? { reason: gridReason(task) } : {}),
    })),
    (state, text) => paintState(c, state, text),
    width,
  );
}

export function runOutcomeLine(c: Colours, run: RunRecord, execution: ExecutionResult): string {
  const outcome =
    run.state === 'success'
      ? c.green(`run ${run.state}`)
      : c.red(`run ${run.state}${execution.error ? ` (${execution.error})` : ''}`);
  return run.deadlineMissedAt !== undefined ? `${outcome}  ${c.red(deadlineMissLine(run.deadline ?? '?'))}` : outcome;
}

/**
 * Under `--speed` the grid's times are still the wall clock's (a run of 3 s shows tasks of at most 3 s): this says
 * what was sped up. Undefined for a run in real time.
 */
export function speedNote(clockSpeed: number | undefined): string | undefined {
  if (clockSpeed === undefined || clockSpeed === 1) return undefined;
  return `waits, retry delays and sensor intervals ran ×${clockSpeed} faster (--speed); times are wall-clock`;
}

/** How a missed deadline reads, live and in the outcome line. */
export function deadlineMissLine(deadline: string): string {
  return `deadline missed: not ended by ${deadline}`;
}

/**
 * How a local run ends on the terminal, for `run` and `clear` alike: the grid and the outcome line, or one JSON
 * object (`extra` goes between the run and its tasks). Returns the exit code: 0 when the run succeeded, else 1.
 */
export function printRunEnd(
  c: Colours,
  ended: { readonly run: RunRecord; readonly execution: ExecutionResult; readonly tasks: readonly TaskRecord[] },
  json: boolean | undefined,
  extra: Record<string, unknown> = {},
): number {
  const { run, execution, tasks } = ended;
  if (json === true) {
    printJson({ run: { ...run, status: execution.status, error: execution.error }, ...extra, tasks });
  } else {
    process.stdout.write(`\n${runGrid(c, tasks)}`);
    const sped = speedNote(run.clockSpeed);
    if (sped !== undefined) console.log(c.yellow(sped));
    console.log(runOutcomeLine(c, run, execution));
  }
  return run.state === 'success' ? EXIT.ok : EXIT.problems;
}
