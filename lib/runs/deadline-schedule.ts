import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { AirstepError } from '../errors/airstep-error.ts';
import { deadlinePassed } from '../schedule/index.ts';

/**
 * A run's deadline in the cloud: a one-time EventBridge Scheduler `at()` schedule in the stack's deadline group,
 * named from the run (so arming twice makes one schedule), that deletes itself after it fires and is deleted by
 * the recorder when the run ends in time. It invokes the recorder with a `DeadlineMissEvent`.
 */
export interface DeadlineScheduling {
  readonly scheduler: SchedulerClient;
  /** The schedule group deadlines live in (one per stack, apart from the DAG schedules). */
  readonly group: string;
  /** The role the schedule assumes to invoke its target. */
  readonly roleArn: string;
  /** The function a fired deadline invokes: the recorder. */
  readonly targetArn: string;
  /**
   * Hands a miss to the target at once, for a deadline already past when the run is accepted (a schedule in the
   * past would never fire): the trigger invokes the recorder asynchronously with the same event.
   */
  readonly fireNow: (event: DeadlineMissEvent) => Promise<void>;
}

/** What a fired deadline schedule sends the recorder; told apart from Step Functions events by `source`. */
export interface DeadlineMissEvent {
  readonly source: typeof DEADLINE_EVENT_SOURCE;
  readonly dagId: string;
  readonly runId: string;
  /** ISO instant the run had to end by. */
  readonly deadline: string;
  /** Publish the miss to the alerts topic. */
  readonly alert: boolean;
}

export const DEADLINE_EVENT_SOURCE = 'airstep.deadline';

export function isDeadlineMissEvent(event: unknown): event is DeadlineMissEvent {
  const fields = typeof event === 'object' && event !== null ? (event as Record<string, unknown>) : {};
  return (
    fields.source === DEADLINE_EVENT_SOURCE &&
    typeof fields.dagId === 'string' &&
    typeof fields.runId === 'string' &&
    typeof fields.deadline === 'string' &&
    !Number.isNaN(Date.parse(fields.deadline))
  );
}

/**
 * The schedule's name: the DAG id (readable in the console) and a hash of DAG and run id, within Scheduler's 64
 * characters of `[0-9A-Za-z_.-]`. The same run always gives the same name.
 */
export function deadlineScheduleName(dagId: string, runId: string): string {
  const hash = createHash('sha256').update(`${dagId}\u0000${runId}`).digest('hex').slice(0, 20);
  return `${dagId.replace(/[^0-9A-Za-z_.-]/g, '_').slice(0, 40)}-${hash}`;
}

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC, rounded up to the second (never before the deadline). */
export function atExpression(instant: Date): string {
  const seconds = Math.ceil(instant.getTime() / 1000) * 1000;
  return `at(${new Date(seconds).toISOString().slice(0, 19)})`;
}

/**
 * Arms a run's deadline: the schedule, or the miss at once when the deadline has passed. A schedule of that name
 * already there (a retried trigger) is the same deadline.
 */
export async function armDeadline(
  event: DeadlineMissEvent,
  now: Date,
  scheduling: DeadlineScheduling,
): Promise<'scheduled' | 'missed'> {
  if (deadlinePassed(new Date(event.deadline), now)) {
    await scheduling.fireNow(event);
    return 'missed';
  }
  try {
    await scheduling.scheduler.send(
      new CreateScheduleCommand({
        Name: deadlineScheduleName(event.dagId, event.runId),
        GroupName: scheduling.group,
        ScheduleExpression: atExpression(new Date(event.deadline)),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Description: `Deadline of ${event.dagId} run ${event.runId}`.slice(0, 512),
        Target: { Arn: scheduling.targetArn, RoleArn: scheduling.roleArn, Input: JSON.stringify(event) },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConflictException || (error as Error).name === 'ConflictException')) throw error;
  }
  return 'scheduled';
}

/** Deletes a run's deadline schedule (the run ended in time). Gone already (it fired, or never was) is fine. */
export async function disarmDeadline(
  dagId: string,
  runId: string,
  scheduling: Pick<DeadlineScheduling, 'scheduler' | 'group'>,
): Promise<void> {
  try {
    await scheduling.scheduler.send(
      new DeleteScheduleCommand({ Name: deadlineScheduleName(dagId, runId), GroupName: scheduling.group }),
    );
  } catch (error) {
    if (error instanceof ResourceNotFoundException || (error as Error).name === 'ResourceNotFoundException') return;
    throw error;
  }
}

/** A DAG with a deadline, handled by code given no way to schedule one (deployed outside the construct). */
export class DeadlineSchedulingMissingError extends AirstepError {
  override readonly name = 'DeadlineSchedulingMissingError';
  readonly dagId: string;

  constructor(dagId: string, who: string) {
    super(`DAG ${dagId} declares a deadline but the ${who} was given no deadline schedule group`, {
      code: 'DEADLINE_SCHEDULING_MISSING',
    });
    this.dagId = dagId;
  }
}
