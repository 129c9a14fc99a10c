import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { AirstepError } from '../errors/airstep-error.ts';

/** A schedule's fire as the trigger reads it: what EventBridge Scheduler sends, with the time filled in. */
export interface ScheduledFire {
  readonly kind: 'scheduled';
  readonly dagId: string;
  /** ISO instant the fire stands for: the end of the interval whose run it starts. */
  readonly scheduledTime: string;
}

/** The trigger's answer, as far as dag-sync reads it: `started`, `queued`, `duplicate`, `refused`, `skipped`. */
export interface TriggerAnswer {
  readonly outcome: string;
  readonly runId?: string;
}

/** Hands one fire to the trigger and answers what it did with it. */
export type RunTrigger = (fire: ScheduledFire) => Promise<TriggerAnswer>;

/** Asks the trigger to start a DAG's runs queued while it was paused; answers the run ids started. */
export type ResumeQueued = (dagId: string) => Promise<readonly string[]>;

/**
 * The trigger Lambda asked with an `unpaused` event (synchronously): it starts the queued runs that have a
 * `maxActiveRuns` place. A function error, or an answer that is not `resumed`, is thrown.
 */
export function lambdaResumeQueued(lambda: LambdaClient, functionName: string): ResumeQueued {
  return async (dagId) => {
    const answer = await lambda
      .send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: JSON.stringify({ kind: 'unpaused', dagId }),
        }),
      )
      .catch((error: unknown) => {
        // The trigger could not be reached (no such function, no permission): said as such, not as a stack trace.
        throw new ResumeFailedError(dagId, `${(error as Error).name}: ${(error as Error).message}`);
      });
    const text = answer.Payload === undefined ? '' : Buffer.from(answer.Payload).toString('utf8');
    const parsed =
      answer.FunctionError === undefined ? (JSON.parse(text) as { outcome?: string; started?: string[] }) : {};
    if (parsed.outcome !== 'resumed') throw new ResumeFailedError(dagId, text.slice(0, 1000));
    return parsed.started ?? [];
  };
}

/** The trigger did not start the queued runs of an unpaused DAG (they wait: unpause again). */
export class ResumeFailedError extends AirstepError {
  override readonly name = 'ResumeFailedError';
  constructor(
    readonly dagId: string,
    answer: string,
  ) {
    super(`the trigger did not start the queued runs of ${dagId} (unpaused; run unpause again): ${answer}`, {
      code: 'RESUME_FAILED',
    });
  }
}

export function scheduledFire(dagId: string, scheduledTime: string): ScheduledFire {
  return { kind: 'scheduled', dagId, scheduledTime };
}

/**
 * The trigger Lambda, invoked synchronously, one fire after another: a run is started or queued before the next
 * fire is sent, so the oldest intervals take the `maxActiveRuns` places and the rest queue in order (fires sent
 * asynchronously would be admitted in whatever order Lambda ran them). A function error or a failed Invoke is
 * thrown: the sync fails, SQS delivers its event again, and the fires go again (the trigger refuses duplicates).
 */
export function lambdaTrigger(lambda: LambdaClient, functionName: string): RunTrigger {
  return async (fire) => {
    const answer = await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: JSON.stringify(fire),
      }),
    );
    const text = answer.Payload === undefined ? '' : Buffer.from(answer.Payload).toString('utf8');
    if (answer.FunctionError !== undefined) {
      throw new TriggerFailedError(fire, text.slice(0, 1000));
    }
    return JSON.parse(text) as TriggerAnswer;
  };
}

/** The trigger Lambda answered a catchup fire with a function error: the sync fails and SQS delivers it again. */
export class TriggerFailedError extends AirstepError {
  override readonly name = 'TriggerFailedError';
  readonly dagId: string;
  readonly scheduledTime: string;

  constructor(fire: ScheduledFire, answer: string) {
    super(`the trigger failed on ${fire.dagId} at ${fire.scheduledTime}: ${answer}`, { code: 'TRIGGER_FAILED' });
    this.dagId = fire.dagId;
    this.scheduledTime = fire.scheduledTime;
  }
}
