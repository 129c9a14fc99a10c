import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { AirstepError } from '../errors/airstep-error.ts';

/**
 * A message of the stack's failed-events queue written by Airstep itself: an event a function took but will not
 * act on, with why. (Lambda's and EventBridge's own dead letters land in the same queue: their body is the bare
 * event, their reason in message attributes.) Every message there raises the failed-events alarm.
 */
export interface FailedEventMessage {
  /** The function that gave up on the event. */
  readonly source: 'trigger';
  /** When it did (ISO 8601). */
  readonly at: string;
  readonly reason: {
    /** A stable code (`UNREADABLE_EVENT`, `UNKNOWN_DAG`, …). */
    readonly code: string;
    /** The problems, joined. */
    readonly message: string;
    readonly problems: readonly string[];
  };
  /** The event exactly as it arrived; the start of its JSON text when it was too large to carry whole. */
  readonly event: unknown;
  readonly eventTruncated?: true;
}

/** SQS takes 256 KiB per message; an event (at most 4 bytes a character) is cut to this many characters of JSON. */
const MAX_EVENT_CHARS = 50_000;

/** The failed-events queue did not take a message, so the event would be lost: the caller must fail. */
export class FailedEventUnreportedError extends AirstepError {
  override readonly name = 'FailedEventUnreportedError';
  readonly reasonCode: string;

  constructor(reasonCode: string, cause: unknown) {
    const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`could not write a ${reasonCode} event to the failed-events queue (${why})`, {
      code: 'FAILED_EVENT_UNREPORTED',
      cause,
    });
    this.reasonCode = reasonCode;
  }
}

/**
 * Writes the event and the reason to the failed-events queue. The reason also goes in the `ErrorCode` and
 * `ErrorMessage` message attributes, the names Lambda gives them on its dead letters, so every message of the
 * queue shows why in one place. Throws `FailedEventUnreportedError` when the queue does not take it.
 */
export async function reportFailedEvent(
  sqs: SQSClient,
  queueUrl: string,
  failed: {
    readonly source: FailedEventMessage['source'];
    readonly at: Date;
    readonly code: string;
    readonly problems: readonly string[];
    readonly event: unknown;
  },
): Promise<FailedEventMessage> {
  const text = JSON.stringify(failed.event) ?? 'undefined';
  const message: FailedEventMessage = {
    source: failed.source,
    at: failed.at.toISOString(),
    reason: { code: failed.code, message: failed.problems.join('; '), problems: failed.problems },
    ...(text.length > MAX_EVENT_CHARS
      ? { event: text.slice(0, MAX_EVENT_CHARS), eventTruncated: true as const }
      : { event: failed.event ?? null }),
  };
  try {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(message),
        MessageAttributes: {
          ErrorCode: { DataType: 'String', StringValue: failed.code },
          ErrorMessage: { DataType: 'String', StringValue: message.reason.message.slice(0, 1_000) || failed.code },
        },
      }),
    );
  } catch (error) {
    throw new FailedEventUnreportedError(failed.code, error);
  }
  return message;
}
