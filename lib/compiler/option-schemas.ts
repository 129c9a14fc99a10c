import { z } from 'zod';
import { DEADLINE_REFERENCES } from '../sdk/deadline.ts';
import { tryParseDuration } from '../sdk/duration.ts';
import { PARAM_TYPES } from '../sdk/params.ts';
import { TRIGGER_RULES } from '../sdk/trigger-rule.ts';
import { WEIGHT_RULES } from '../sdk/weight-rule.ts';
import { durationLimitProblem } from './limits.ts';
import { PROTOTYPE_KEY, reservedNameMessage } from './reserved-names.ts';
import { ROLE_ARN } from './role-arn.ts';

/**
 * zod schemas for what authors pass to the SDK. The SDK records options as given; these schemas check them all
 * at once so `airstep validate` can report every bad field with its name.
 */

const duration = z.union([z.number(), z.string()]).superRefine((value, ctx) => {
  const parsed = tryParseDuration(value);
  if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
  else {
    const tooLong = durationLimitProblem(parsed.ms);
    if (tooLong !== undefined) ctx.addIssue({ code: 'custom', message: tooLong });
  }
});

/** A timeout: Step Functions counts whole seconds and refuses 0 (`TimeoutSeconds`, `HeartbeatSeconds`). */
const timeout = duration.superRefine((value, ctx) => {
  const parsed = tryParseDuration(value);
  if ('ms' in parsed && parsed.ms === 0) ctx.addIssue({ code: 'custom', message: 'must be more than 0' });
});

const wholeNumber = (what: string) => (issue: { input: unknown }) =>
  `must be a whole number${what}, got ${JSON.stringify(issue.input)}`;

/**
 * A mapped task's `expectedItems`: the history estimate multiplies its per-item events by it, so only a whole
 * count of at least one means anything.
 */
export const expectedItemsSchema = z
  .int({ error: wholeNumber(' of items') })
  .min(1, 'must be at least 1 (the most items a run of the task maps over)');

/**
 * An Airflow option Airstep does not support yet: `false` is accepted (it is the default), `true` is refused with
 * the reason, so a DAG never runs as if it were honoured.
 */
const unsupportedFlag = (reason: string) => z.boolean().refine((value) => value === false, { message: reason });

const PAST_REASON =
  'is not supported yet: in the cloud a run writes its task records only when it ends, so a task cannot wait ' +
  "for the previous run's task instance (see the README, 'Latest only and depending on the past')";

const callback = z.custom<(...args: unknown[]) => unknown>((value) => typeof value === 'function', {
  message: 'must be a function',
});

export const taskOptionsSchema = z
  .object({
    retries: z
      .int({ error: (issue) => `must be a whole number of retries, got ${JSON.stringify(issue.input)}` })
      .min(0, 'must be 0 or more (the number of tries after the first)')
      .max(100, 'must be at most 100'),
    retryDelay: duration,
    exponentialBackoff: z.boolean(),
    maxRetryDelay: duration,
    retryJitter: z.boolean(),
    executionTimeout: timeout,
    heartbeat: timeout,
    triggerRule: z.enum(TRIGGER_RULES, {
      error: (issue) => `unknown trigger rule '${String(issue.input)}' (one of: ${TRIGGER_RULES.join(', ')})`,
    }),
    pool: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')
      .refine((name) => name !== PROTOTYPE_KEY, reservedNameMessage('pool name')),
    poolSlots: z.int().min(1, 'must be at least 1 (a pool task holds slots)'),
    queue: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1-40 letters, digits, _ or -'),
    priorityWeight: z.int({ error: (issue) => `must be a whole number, got ${JSON.stringify(issue.input)}` }),
    weightRule: z.enum(WEIGHT_RULES, {
      error: (issue) => `unknown weight rule '${String(issue.input)}' (one of: ${WEIGHT_RULES.join(', ')})`,
    }),
    onFailure: callback,
    onSuccess: callback,
    onRetry: callback,
    // Airflow 3 removed SLAs; Airstep never checked them. Refused rather than accepted and ignored.
    sla: z.unknown().superRefine((_, ctx) =>
      ctx.addIssue({
        code: 'custom',
        message:
          "SLAs were removed in Airflow 3 and are not checked: declare a deadline on the DAG instead (deadline: { reference: 'dataIntervalEnd', interval: '2 hours' })",
      }),
    ),
    doc: z.string(),
    // Checked (every asset URI, with its index) by `outletsOf` in asset-ir.ts.
    outlets: z.unknown(),
    dependsOnPast: unsupportedFlag(PAST_REASON),
    waitForDownstream: unsupportedFlag(PAST_REASON),
    runAs: z
      .string({ error: (issue) => `must be an IAM role ARN, got ${JSON.stringify(issue.input)}` })
      .regex(ROLE_ARN, 'must be an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)'),
  })
  .partial()
  .strict();

const param = z
  .object({
    type: z.enum(PARAM_TYPES, {
      error: (issue) => `unknown param type ${JSON.stringify(issue.input)} (one of: ${PARAM_TYPES.join(', ')})`,
    }),
    description: z.string().optional(),
    default: z.unknown().optional(),
    required: z.boolean().optional(),
    enum: z.array(z.union([z.string(), z.number()])).optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    minLength: z.int().min(0).optional(),
    maxLength: z.int().min(0).optional(),
    pattern: z.string().optional(),
    items: z.enum(['string', 'number', 'integer', 'boolean', 'object']).optional(),
  })
  .strict();

const date = z.union([z.string(), z.date()], { error: 'must be an ISO date or date-time string, or a valid Date' });

export const DAG_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The longest DAG id every name built from it fits: the state machine is `<namePrefix>-<dagId>` (a namePrefix has up
 * to 20 characters; Step Functions allows 80), and each schedule `<dagId>--<n>` (n is 0 or 1; EventBridge Scheduler
 * allows 64). The tighter of the two is the state machine's: 80 - 21 = 59.
 */
export const DAG_ID_MAX_LENGTH = 59;
const DAG_ID_LENGTH_REASON = (length: number) =>
  `must be at most ${DAG_ID_MAX_LENGTH} characters, got ${length}: it names the state machine '<namePrefix>-<dagId>' (Step Functions allows 80 characters, namePrefix up to 20) and the schedules '<dagId>--<n>' (EventBridge Scheduler allows 64)`;

export const dagOptionsSchema = z
  .object({
    id: z.string().superRefine((id, ctx) => {
      if (id.length > DAG_ID_MAX_LENGTH) {
        ctx.addIssue({ code: 'custom', message: DAG_ID_LENGTH_REASON(id.length) });
      } else if (!DAG_ID.test(id)) {
        ctx.addIssue({ code: 'custom', message: 'must be 1-64 letters, digits, _ or - (it names the state machine)' });
      }
    }),
    description: z.string(),
    // A string, null or assets: checked by `authoredSchedule` in asset-ir.ts.
    schedule: z.unknown(),
    startDate: date,
    endDate: date,
    timezone: z.string(),
    catchup: z.boolean(),
    tags: z.array(z.string()),
    owner: z.string(),
    defaultArgs: z.record(z.string(), z.unknown()),
    params: z.record(
      z
        .string()
        .regex(
          /^[A-Za-z_][A-Za-z0-9_]*$/,
          'is not a valid param name (letters, digits and _, not starting with a digit)',
        ),
      param,
    ),
    maxActiveRuns: z.int({ error: wholeNumber(' of runs') }).min(1, 'must be at least 1'),
    maxActiveTasks: z.int({ error: wholeNumber(' of tasks') }).min(1, 'must be at least 1'),
    dagrunTimeout: timeout,
    deadline: z
      .object({
        reference: z.enum(DEADLINE_REFERENCES, {
          error: (issue) =>
            issue.input === undefined
              ? `is required: what the deadline counts from (one of: ${DEADLINE_REFERENCES.join(', ')})`
              : `unknown deadline reference ${JSON.stringify(issue.input)} (one of: ${DEADLINE_REFERENCES.join(', ')})`,
        }),
        interval: duration,
        alert: z.boolean().optional(),
        callback: callback.optional(),
      })
      .strict(),
    alarms: z.object({ onFailure: z.boolean(), onDeadlineMiss: z.boolean() }).partial().strict(),
    xcomOffloadBytes: z
      .int({ error: wholeNumber(' of bytes') })
      .min(256, 'must be 256 to 131072 bytes')
      .max(131_072, 'must be 256 to 131072 bytes'),
    doc: z.string(),
    onSuccess: callback,
    onFailure: callback,
  })
  .partial({
    description: true,
    schedule: true,
    startDate: true,
    endDate: true,
    timezone: true,
    catchup: true,
    tags: true,
    owner: true,
    defaultArgs: true,
    params: true,
    maxActiveRuns: true,
    maxActiveTasks: true,
    dagrunTimeout: true,
    deadline: true,
    alarms: true,
    xcomOffloadBytes: true,
    doc: true,
    onSuccess: true,
    onFailure: true,
  })
  .strict();

export const sensorOptionsSchema = z
  .object({
    pokeInterval: duration,
    timeout: duration,
    softFail: z.boolean(),
    exponentialBackoff: z.boolean(),
    maxWait: duration,
  })
  .partial()
  .strict();

export const fargateOptionsSchema = z
  .object({
    cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)], {
      error: (issue) =>
        `must be 256, 512, 1024, 2048 or 4096 CPU units (1024 = 1 vCPU), got ${JSON.stringify(issue.input)}`,
    }),
    memory: z
      .int({ error: wholeNumber(' of MiB') })
      .min(512, 'must be 512 to 30720 MiB')
      .max(30_720, 'must be 512 to 30720 MiB'),
    image: z.string().min(1, 'must not be empty'),
    command: z.array(z.string()),
    environment: z.record(z.string(), z.string()),
  })
  .partial()
  .strict();

/** Turns zod issues into `{ field, message }` pairs, the field as a dotted path under `prefix`. */
export function zodProblems(error: z.ZodError, prefix = ''): Array<{ field: string; message: string }> {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const field = [prefix, path].filter((part) => part !== '').join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.join(', ');
      return { field: [field, issue.keys[0]].filter(Boolean).join('.'), message: `unknown option(s): ${keys}` };
    }
    // A bad record key (a param name): zod's own message only says "Invalid key in record".
    const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    return { field: field === '' ? '(options)' : field, message };
  });
}
