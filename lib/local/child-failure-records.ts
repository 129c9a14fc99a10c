import { CHILD_ENDED_FIELD } from '../compiler/worker-contract.ts';

/**
 * A split run's child that failed, was stopped or did not start on its own: the parent gives every task of that
 * child a `failed` record (lib/compiler/child-failure-states.ts). Locally a task's state comes from the exits of
 * its own states, in whichever execution they ran, so a task that ended before the child died keeps what it
 * ended as; only a task with no end of its own (running in the child, or never reached) takes the record the
 * parent gave it. This reads that exit: the records given, with the child's own end named as the reason.
 */
export interface ChildFailureRecord {
  /** The payload key of the task. */
  readonly key: string;
  readonly error: string;
  readonly cause: string;
  /** The child's own end (`FAILED: States.Runtime: …`), as far as its step's error tells it. */
  readonly reason: string;
}

interface CaughtError {
  readonly Error?: unknown;
  readonly Cause?: unknown;
}

/** The records a state's exit gave tasks of a child that ended without them; empty for any other exit. */
export function childFailureRecords(output: unknown): ChildFailureRecord[] {
  const payload = output as { tasks?: Record<string, unknown>; childError?: CaughtError } | null;
  if (payload?.childError === undefined || payload.tasks === undefined) return [];
  const reason = childEnd(payload.childError);
  return Object.entries(payload.tasks).flatMap(([key, record]) => {
    const r = record as { [CHILD_ENDED_FIELD]?: unknown; error?: CaughtError } | null;
    if (typeof r?.[CHILD_ENDED_FIELD] !== 'string') return [];
    return [
      {
        key,
        error: String(r.error?.Error ?? 'States.TaskFailed'),
        cause: String(r.error?.Cause ?? ''),
        reason: `the child state machine ${r[CHILD_ENDED_FIELD]} ended before this task did: ${reason}`,
      },
    ];
  });
}

/**
 * How the child ended: `.sync:2` fails the step with the child's description (Status, Error, Cause) as its cause;
 * a start that never happened has the service's message instead.
 */
function childEnd(caught: CaughtError): string {
  const cause = typeof caught.Cause === 'string' ? caught.Cause : '';
  try {
    const described = JSON.parse(cause) as { Status?: unknown; Error?: unknown; Cause?: unknown };
    if (typeof described.Status === 'string') {
      return [described.Status, described.Error, described.Cause].filter((part) => typeof part === 'string').join(': ');
    }
  } catch {
    // not a description: the start itself failed
  }
  return [caught.Error, cause].filter((part) => typeof part === 'string' && part !== '').join(': ');
}
