import { isEndedTaskState, type TaskState } from '../compiler/run-states.ts';

/**
 * One worker try of a task instance: when it queued for a slot, ran and ended (engine clock), and how it ended. The
 * instance's own times are its first try's start and its last try's end; these say what each try did, so a Gantt
 * can draw every try and a task view list them (Airflow's task instance history).
 */
export interface TryTimes {
  readonly try: number;
  /** `queued`, then `running`, then how the try itself ended (`success`, `failed`, `skipped`, `interrupted`). */
  state: TaskState;
  queuedAt?: number;
  startedAt?: number;
  endedAt?: number;
  /** A failed try's error, one line. */
  errorMessage?: string;
}

/** What the try functions below change: a task instance's list of tries. */
interface WithTries {
  tryTimes?: TryTimes[];
}

const hasEnded = (entry: TryTimes) => isEndedTaskState(entry.state) || entry.state === 'interrupted';

/** The entry of try `tryNumber`, made when the try first shows up (a sensor's pokes share their try's entry). */
function entryOf(task: WithTries, tryNumber: number): TryTimes {
  task.tryTimes ??= [];
  let entry = task.tryTimes.find((candidate) => candidate.try === tryNumber);
  if (entry === undefined) {
    entry = { try: tryNumber, state: 'queued' };
    task.tryTimes.push(entry);
    task.tryTimes.sort((a, b) => a.try - b.try);
  }
  return entry;
}

/** The try waits for its slots (`queued`) or has them and runs (`running`), at `at`. */
export function tryPhase(task: WithTries, tryNumber: number, phase: 'queued' | 'running', at: number): void {
  const entry = entryOf(task, tryNumber);
  if (hasEnded(entry)) return;
  if (phase === 'queued') {
    entry.queuedAt ??= at;
    return;
  }
  entry.startedAt ??= at;
  entry.state = 'running';
}

/**
 * The worker answered the try. `state` undefined: the answer did not end the try's task (a sensor's poke that
 * found nothing yet: its try goes on with the next poke). A try already ended (its task's time ran out first) keeps
 * that end: the late answer changes nothing.
 */
export function tryEnded(
  task: WithTries,
  attempt: { readonly tryNumber: number; readonly startedAt: number; readonly endedAt: number },
  state: TaskState | undefined,
  errorMessage?: string,
): void {
  const entry = entryOf(task, attempt.tryNumber);
  if (hasEnded(entry)) return;
  entry.startedAt ??= attempt.startedAt;
  if (state === undefined) return;
  entry.state = state;
  entry.endedAt = attempt.endedAt;
  if (errorMessage !== undefined) entry.errorMessage = errorMessage;
}

/**
 * The instance ended (`state` at `at`): its last try ends with it if no answer ended it (a timed-out try, a
 * sensor whose last poke found what it waited for).
 */
export function trySettled(task: WithTries, state: TaskState, at: number, errorMessage?: string): void {
  const last = task.tryTimes?.at(-1);
  if (last === undefined || hasEnded(last)) return;
  last.state = state;
  last.endedAt = at;
  if (errorMessage !== undefined) last.errorMessage = errorMessage;
}

/** The run was stopped: a try that had not ended was interrupted, at `at`. */
export function tryInterrupted(task: WithTries, at: number): void {
  for (const entry of task.tryTimes ?? []) {
    if (hasEnded(entry)) continue;
    entry.state = 'interrupted';
    entry.endedAt = at;
  }
}
