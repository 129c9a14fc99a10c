import {
  type CloudWatchLogsClient,
  type FilteredLogEvent,
  FilterLogEventsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  type TaskLogLine,
  type TaskLogQuery,
  type TaskLogTags,
  taskLogFilterPattern,
  taskLogLineOf,
} from '../stack-contract/task-log-line.ts';

/** Where a reader of one try's lines left off: the newest event's time, and the events read at that time. */
export interface CloudLogCursor {
  readonly startTime: number;
  readonly seen: readonly string[];
}

/**
 * A task try's lines from the deployed stack's worker log groups (the `TaskLogSource` port of lib/cli/history):
 * one FilterLogEvents call chain per log group (the Lambda worker's and the Fargate worker's), paged, with the
 * JSON filter pattern that selects the try on CloudWatch Logs, never a scan of every stream. Each event is also
 * checked against the query here: moto and MiniStack accept a JSON pattern but match every line with it.
 */
export class CloudTaskLogs {
  constructor(
    private readonly logs: CloudWatchLogsClient,
    private readonly logGroups: readonly string[],
    readonly where: string,
    /** Events per page (FilterLogEvents' `limit`). @default - the service's (up to 10,000) */
    private readonly pageSize?: number,
  ) {}

  /** The lines of `query` after `after`, oldest first, and the cursor to read on from. */
  async read(query: TaskLogQuery, after?: CloudLogCursor): Promise<{ lines: TaskLogLine[]; cursor: CloudLogCursor }> {
    const filterPattern = taskLogFilterPattern(query);
    const seen = new Set(after?.seen ?? []);
    const fresh: Array<{ id: string; line: TaskLogLine }> = [];
    const groups = await Promise.all(
      this.logGroups.map(async (group) => ({
        group,
        events: await this.filter(group, filterPattern, after?.startTime),
      })),
    );
    for (const { group, events } of groups) {
      for (const event of events) {
        const id = `${group}/${event.eventId}`;
        if (seen.has(id)) continue;
        const line = taskLogLineOf(event.message ?? '', event.timestamp ?? 0, query);
        if (line !== undefined) fresh.push({ id, line });
      }
    }
    // Stable: lines of one stream keep their order when they share a millisecond.
    fresh.sort((a, b) => a.line.timestamp - b.line.timestamp);
    const last = fresh.at(-1)?.line.timestamp;
    if (last === undefined) return { lines: [], cursor: after ?? { startTime: 0, seen: [] } };
    const atLast = fresh.filter(({ line }) => line.timestamp === last).map(({ id }) => id);
    // Events at the cursor's time are read again next time (one may arrive later with the same timestamp).
    const carried = after !== undefined && after.startTime === last ? after.seen : [];
    return { lines: fresh.map(({ line }) => line), cursor: { startTime: last, seen: [...carried, ...atLast] } };
  }

  /** The try's lines as `airstep logs` prints them (`<ISO time> <level> <message>`), or undefined when none yet. */
  async readText(
    tags: TaskLogTags,
    after?: CloudLogCursor,
  ): Promise<{ text: string; cursor: CloudLogCursor } | undefined> {
    const { lines, cursor } = await this.read(tags, after);
    if (lines.length === 0 && after === undefined) return undefined;
    return { text: lines.map(formatTaskLogLine).join(''), cursor };
  }

  /** The newest try of the instance that logged a line (its record is written when the run ends). */
  async latestTry(query: TaskLogQuery): Promise<number | undefined> {
    const { tryNumber: _all, ...instance } = query;
    const { lines } = await this.read(instance);
    return lines.length === 0 ? undefined : Math.max(...lines.map((line) => line.tryNumber));
  }

  private async filter(
    logGroupName: string,
    filterPattern: string,
    startTime: number | undefined,
  ): Promise<FilteredLogEvent[]> {
    const events: FilteredLogEvent[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.logs.send(
          new FilterLogEventsCommand({
            logGroupName,
            filterPattern,
            ...(startTime !== undefined ? { startTime } : {}),
            ...(this.pageSize !== undefined ? { limit: this.pageSize } : {}),
            ...(nextToken !== undefined ? { nextToken } : {}),
          }),
        );
        events.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
    } catch (error) {
      // A group nothing has written to yet (an emulator creates a function's group on its first line).
      if (error instanceof ResourceNotFoundException || (error as Error).name === 'ResourceNotFoundException') {
        return [];
      }
      throw error;
    }
    return events;
  }
}

/** One printed line: the event's time, the level and the message (a message's own newlines kept). */
export function formatTaskLogLine(line: TaskLogLine): string {
  return `${new Date(line.timestamp).toISOString()} ${line.level} ${line.message}\n`;
}
