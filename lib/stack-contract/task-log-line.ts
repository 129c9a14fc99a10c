/**
 * The shape of a task try's log line in CloudWatch Logs, shared by the writers (the Lambda worker through
 * Powertools Logger, the Fargate worker through stdout and the awslogs driver) and the readers (`airstep logs
 * --stack`, the saved Logs Insights query). One JSON object per line whose top-level fields name the try, so a
 * JSON filter pattern (`{ $.runId = "…" && $.taskId = "…" }`) or a Logs Insights `filter` selects one try's lines
 * without reading every stream.
 */

/** What names one try of one task instance. Field names are the context's (`ctx.tryNumber`, `ctx.mapIndex`). */
export interface TaskLogTags {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  /** -1 for a task that is not mapped. */
  readonly mapIndex: number;
  /** 1 on the first try. */
  readonly tryNumber: number;
}

/** One try's log lines, or (without `tryNumber`) every try's of one task instance. */
export type TaskLogQuery = Omit<TaskLogTags, 'tryNumber'> & { readonly tryNumber?: number };

/** A log line as `airstep logs` prints it. */
export interface TaskLogLine extends TaskLogTags {
  /** Milliseconds since the epoch (the CloudWatch event's timestamp). */
  readonly timestamp: number;
  readonly level: string;
  readonly message: string;
}

/** The line the Fargate worker prints (the Lambda worker's Powertools Logger writes the same fields, and more). */
export function taskLogLine(tags: TaskLogTags, message: string, level = 'INFO'): string {
  return JSON.stringify({ level, message, ...tags });
}

// Ids are checked by the compiler and the trigger (letters, digits and `_.:+-`); a quote or backslash would end or
// escape the pattern's string, so such a value is never put in one (the client-side check still applies).
const SAFE_VALUE = /^[^"\\]*$/;

/**
 * The CloudWatch Logs JSON filter pattern that selects `query`'s lines.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 */
export function taskLogFilterPattern(query: TaskLogQuery): string {
  const terms = (['dagId', 'runId', 'taskId'] as const)
    .filter((field) => SAFE_VALUE.test(query[field]))
    .map((field) => `$.${field} = "${query[field]}"`);
  terms.push(`$.mapIndex = ${query.mapIndex}`);
  if (query.tryNumber !== undefined) terms.push(`$.tryNumber = ${query.tryNumber}`);
  return `{ ${terms.join(' && ')} }`;
}

/**
 * The line as a task log line of `query`, or undefined when it is not one (another try, a platform line such as
 * Lambda's START / REPORT, text that is not JSON). The reader checks every line this way, so an emulator that
 * does not evaluate JSON filter patterns (moto, MiniStack: they match every line) still gives only the try's lines.
 */
export function taskLogLineOf(text: string, timestamp: number, query: TaskLogQuery): TaskLogLine | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const line = parsed as Record<string, unknown>;
  const matches =
    line.dagId === query.dagId &&
    line.runId === query.runId &&
    line.taskId === query.taskId &&
    line.mapIndex === query.mapIndex &&
    typeof line.tryNumber === 'number' &&
    (query.tryNumber === undefined || line.tryNumber === query.tryNumber);
  if (!matches) return undefined;
  return {
    dagId: query.dagId,
    runId: query.runId,
    taskId: query.taskId,
    mapIndex: query.mapIndex,
    tryNumber: line.tryNumber as number,
    timestamp,
    level: typeof line.level === 'string' ? line.level : 'INFO',
    message: typeof line.message === 'string' ? line.message : JSON.stringify(line.message),
  };
}

/**
 * The saved Logs Insights query "the log of one try" (the stack's `AWS::Logs::QueryDefinition`): the values in
 * angle brackets are placeholders the user replaces before running it.
 */
export const TRY_LOG_INSIGHTS_QUERY = [
  'fields @timestamp, level, message, dagId, runId, taskId, mapIndex, tryNumber, @logStream',
  '| filter dagId = "<dag id>" and runId = "<run id>" and taskId = "<task id>" and mapIndex = -1 and tryNumber = 1',
  '| sort @timestamp asc',
].join('\n');
