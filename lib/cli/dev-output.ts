import type { TaskInstance } from '../local/run-dag.ts';
import { colours } from './output.ts';
import { formatDuration } from './render-grid.ts';
import { paintState, taskChangeLine } from './run-output.ts';

/**
 * What `airstep dev` tells its user, as lines for a person or, with `--json`, as one JSON object per line (NDJSON:
 * `dev` runs until stopped, so there is no single document to print at the end). Each JSON line has an `event`;
 * the fields are the ones the text line shows.
 */
export interface DevOutput {
  /** A problem that stops `dev` before it watches anything (exit 2). */
  refused(message: string): void;
  /** A line about the embedded emulator (it starting, its first-time install). */
  note(message: string): void;
  checked(check: {
    readonly file: string;
    readonly dagIds: readonly string[];
    readonly problems: readonly string[];
    readonly ms: number;
    /** How the file's DAGs changed with the save (none for the first check). */
    readonly changes: readonly string[];
  }): void;
  removed(file: string): void;
  helperChanged(file: string, dagFiles: number): void;
  watching(paths: readonly string[], schedule: boolean): void;
  paused(dagId: string, logicalDate: string): void;
  runStarted(dagId: string, runId: string): void;
  taskChanged(dagId: string, runId: string, task: TaskInstance): void;
  runEnded(dagId: string, runId: string, state: string, ms: number): void;
  runNotStarted(dagId: string, runId: string, message: string): void;
  /** An error in dev itself (a bug): shown, and dev goes on. */
  failed(error: Error): void;
  stopping(): void;
}

export function devOutput(json: boolean): DevOutput {
  return json ? jsonLines() : textLines(colours());
}

function jsonLines(): DevOutput {
  const emit = (event: string, fields: Record<string, unknown>) =>
    process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
  return {
    refused: (message) => emit('refused', { error: message }),
    note: (message) => emit('note', { message }),
    checked: ({ file, dagIds, problems, ms, changes }) =>
      emit('checked', { file, ok: problems.length === 0, dagIds, problems, ms: Math.round(ms), changes }),
    removed: (file) => emit('removed', { file }),
    helperChanged: (file, dagFiles) => emit('helperChanged', { file, dagFiles }),
    watching: (paths, schedule) => emit('watching', { paths, schedule }),
    paused: (dagId, logicalDate) => emit('paused', { dagId, logicalDate }),
    runStarted: (dagId, runId) => emit('runStarted', { dagId, runId }),
    taskChanged: (dagId, runId, task) =>
      emit('task', {
        dagId,
        runId,
        taskId: task.taskId,
        mapIndex: task.mapIndex,
        state: task.state,
        tries: task.tries,
        ...(task.error !== undefined ? { error: task.error } : {}),
        ...(task.errorMessage !== undefined ? { errorMessage: task.errorMessage } : {}),
        ...(task.reason !== undefined ? { reason: task.reason } : {}),
      }),
    runEnded: (dagId, runId, state, ms) => emit('runEnded', { dagId, runId, state, ms: Math.round(ms) }),
    runNotStarted: (dagId, runId, message) => emit('runNotStarted', { dagId, runId, error: message }),
    failed: (error) => emit('failed', { error: error.message }),
    stopping: () => emit('stopping', {}),
  };
}

function textLines(c: ReturnType<typeof colours>): DevOutput {
  return {
    refused: (message) => console.error(c.red(message)),
    note: (message) => console.log(c.dim(message)),
    checked: ({ file, dagIds, problems, ms, changes }) => {
      const took = c.dim(`(${Math.round(ms)} ms)`);
      if (problems.length === 0) console.log(`${c.green('✓')} ${file} ${dagIds.join(', ')} ${took}`);
      else {
        console.log(`${c.red('✗')} ${file} ${took}`);
        for (const problem of problems) console.log(`    ${c.red(problem)}`);
      }
      for (const line of changes) console.log(`    ${c.dim(line)}`);
    },
    removed: (file) => console.log(`${c.dim('-')} ${file} ${c.dim('removed')}`),
    helperChanged: (file, dagFiles) => console.log(c.dim(`${file} changed: checking ${dagFiles} DAG file(s) again`)),
    watching: (paths, schedule) =>
      console.log(
        c.dim(`watching ${paths.join(', ')}${schedule ? '; scheduled DAGs run locally' : ''} (Ctrl-C to stop)`),
      ),
    paused: (dagId, logicalDate) =>
      console.log(c.dim(`${dagId} is paused: run ${logicalDate} not started (airstep unpause ${dagId})`)),
    runStarted: (dagId, runId) => console.log(c.bold(`${dagId} › ${runId}`)),
    taskChanged: (dagId, _runId, task) => console.log(`${c.dim(`${dagId} ›`)}${taskChangeLine(c, task)}`),
    runEnded: (dagId, runId, state, ms) =>
      console.log(`${paintState(c, state, `${dagId} › ${runId} ${state}`)} ${c.dim(formatDuration(ms))}`),
    runNotStarted: (dagId, runId, message) => console.log(c.red(`${dagId} › ${runId}: not run: ${message}`)),
    failed: (error) => console.error(c.red(error.stack ?? error.message)),
    stopping: () => console.log(c.dim('\nstopping…')),
  };
}
