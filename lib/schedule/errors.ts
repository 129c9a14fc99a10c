import { AirstepError } from '../errors/airstep-error.ts';

/** The DAG option a schedule problem is about. */
export type ScheduleField = 'schedule' | 'timezone' | 'startDate' | 'endDate';

/** One thing wrong with a DAG's schedule options; `validateSchedule` returns all of them. */
export interface ScheduleProblem {
  readonly field: ScheduleField;
  readonly message: string;
}

/**
 * A schedule that cannot be used, or an argument that cannot be read. `field` is the DAG option (or, for
 * backfill ranges and run dates, the argument) at fault and `value` what it held; the message quotes the value.
 */
export class ScheduleError extends AirstepError {
  override readonly name = 'ScheduleError';
  readonly field: ScheduleField | 'from' | 'to' | 'logicalDate' | 'triggeredAt' | 'after' | 'now';
  readonly value: unknown;

  constructor(field: ScheduleError['field'], value: unknown, message: string) {
    super(message, { code: 'INVALID_SCHEDULE' });
    this.field = field;
    this.value = value;
  }

  static from(problem: ScheduleProblem, value: unknown): ScheduleError {
    return new ScheduleError(problem.field, value, problem.message);
  }
}
