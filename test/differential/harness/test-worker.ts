import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { TaskMessage } from '../../../lib/compiler/worker-contract.ts';
import { GateCoordinator } from '../../../lib/local/gate-coordinator.ts';
import type { Answer } from './behaviour.ts';

/**
 * A test worker for an emulator's Step Functions: polls the task queues and answers each message as the real
 * worker does (SendTaskSuccess with `{ output, try }`, SendTaskFailure with the error name and cause,
 * SendTaskHeartbeat while a try runs), and acts as the gate coordinator on the control queue (signals are
 * recorded, a gate is answered with SendTaskSuccess once everything it waits for has signalled).
 */
export interface TestWorkerOptions {
  readonly sqs: SQSClient;
  readonly sfn: SFNClient;
  readonly taskQueues: readonly string[];
  readonly controlQueue: string;
  /** Payload key of a task id (gates answer with records under these keys). */
  readonly keyOf: (taskId: string) => string;
  /** Plays one try; `heartbeat` sends SendTaskHeartbeat for its token. */
  readonly run: (message: TaskMessage, heartbeat: () => void) => Promise<Answer>;
}

interface ControlMessage {
  readonly kind: 'gate' | 'signal';
  readonly executionArn: string;
  readonly taskId: string;
  readonly waitFor: string[];
  readonly openWhen?: string[];
  readonly token: string;
  readonly record: unknown;
}

export class TestWorker {
  private stopped = false;
  private readonly pollers: Promise<void>[];
  private readonly gates: GateCoordinator;
  /** Calls refused because the task had already given up (timed out): expected, not errors. */
  readonly lateAnswers: string[] = [];
  private readonly failures: unknown[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: TestWorkerOptions) {
    this.gates = new GateCoordinator(options.keyOf);
    this.pollers = [
      ...options.taskQueues.map((url) =>
        this.poll(url, (body) => {
          const working = this.work(body as TaskMessage);
          this.inFlight.add(working);
          void working.finally(() => this.inFlight.delete(working));
        }),
      ),
      this.poll(options.controlQueue, (body) => this.control(body as ControlMessage)),
    ];
  }

  /**
   * Stops polling and waits for the tries still running (a try whose state timed out plays on and answers late);
   * throws what went wrong on the way (an SDK call that failed for another reason than lateness).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.pollers);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    if (this.failures.length > 0) throw this.failures[0];
  }

  private async poll(url: string, handle: (body: unknown) => void): Promise<void> {
    const { sqs } = this.options;
    while (!this.stopped) {
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
        );
        for (const message of received.Messages ?? []) {
          await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle! }));
          handle(JSON.parse(message.Body!));
        }
      } catch (error) {
        this.failures.push(error);
        return;
      }
    }
  }

  private async work(message: TaskMessage): Promise<void> {
    const { sfn } = this.options;
    const heartbeat = () =>
      void sfn.send(new SendTaskHeartbeatCommand({ taskToken: message.token })).catch((error) => this.late(error));
    const answer = await this.options.run(message, heartbeat);
    const tryNumber = message.retryCount + 1;
    const command = answer.ok
      ? new SendTaskSuccessCommand({
          taskToken: message.token,
          output: JSON.stringify({ output: answer.output, try: tryNumber }),
        })
      : new SendTaskFailureCommand({
          taskToken: message.token,
          error: answer.error.slice(0, 256),
          cause: answer.cause.slice(0, 32_768),
        });
    await sfn.send(command as SendTaskSuccessCommand).catch((error) => this.late(error));
  }

  private control(message: ControlMessage): void {
    if (message.kind === 'signal') {
      this.gates.signal(message.executionArn, message.taskId, message.record);
    } else if (message.kind === 'gate') {
      this.gates.gate(
        message.executionArn,
        message.waitFor,
        (records) => {
          void this.options.sfn
            .send(new SendTaskSuccessCommand({ taskToken: message.token, output: JSON.stringify(records) }))
            .catch((error) => this.late(error));
        },
        message.openWhen,
      );
    }
  }

  /** A try whose state gave up is answered too late: AWS says TaskTimedOut (moto: InvalidToken). */
  private late(error: unknown): void {
    const name = (error as { name?: string }).name ?? '';
    if (/TaskTimedOut|InvalidToken|TaskDoesNotExist/.test(name)) this.lateAnswers.push(name);
    // moto 5.2.5 answers an answer to a token whose execution has already ended with an HTML error page (HTTP 500)
    // instead of TaskTimedOut: under load a timed-out try's late answer can come that late. An answer the run
    // needed and lost this way would still show in the compared outcome, so nothing is hidden by counting it here.
    else if ((error as { $response?: { statusCode?: number } }).$response?.statusCode === 500) {
      this.lateAnswers.push('HTTP 500');
    } else this.failures.push(error);
  }
}
