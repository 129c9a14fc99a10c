import { randomUUID } from 'node:crypto';
import { AirstepError } from '../errors/airstep-error.ts';
import { StatesError } from './states-error.ts';

interface Waiting {
  resolve(output: unknown): void;
  reject(error: StatesError): void;
  heartbeat(): void;
}

/**
 * The callback side of `.waitForTaskToken`: workers answer with SendTaskSuccess / SendTaskFailure /
 * SendTaskHeartbeat. An unknown or already answered token is refused with `TaskTimedOut` (AWS's answer for a
 * token whose task is over), so a redelivered message can never complete a task twice.
 */
export class TaskTokens {
  private readonly waiting = new Map<string, Waiting>();

  /** A new token and the promise that its answer settles. */
  register(onHeartbeat: () => void): { token: string; answer: Promise<unknown>; release(): void } {
    const token = randomUUID();
    const answer = new Promise<unknown>((resolve, reject) => {
      this.waiting.set(token, { resolve, reject, heartbeat: onHeartbeat });
    });
    return { token, answer, release: () => this.waiting.delete(token) };
  }

  sendTaskSuccess(token: string, output: unknown): void {
    this.take(token).resolve(output);
  }

  sendTaskFailure(token: string, error = 'TaskFailed', cause = ''): void {
    this.take(token).reject(new StatesError(error, cause));
  }

  sendTaskHeartbeat(token: string): void {
    const waiting = this.waiting.get(token);
    if (waiting === undefined) throw new TokenError(token);
    waiting.heartbeat();
  }

  isWaiting(token: string): boolean {
    return this.waiting.has(token);
  }

  private take(token: string): Waiting {
    const waiting = this.waiting.get(token);
    if (waiting === undefined) throw new TokenError(token);
    this.waiting.delete(token);
    return waiting;
  }
}

/** An answer for a token nobody waits for; named `TaskTimedOut`, as AWS answers it. */
export class TokenError extends AirstepError {
  override readonly name = 'TaskTimedOut';
  readonly token: string;

  constructor(token: string) {
    super(`task token ${token.slice(0, 8)}… is not waiting (unknown, answered, or timed out)`, {
      code: 'TASK_TOKEN_NOT_WAITING',
    });
    this.token = token;
  }
}
