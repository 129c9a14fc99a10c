import type { ChoiceRule, ChoiceRuleWithNext, PayloadTemplate } from './asl-types.ts';
import type { RunWaitIR } from './cross-dag-ir.ts';
import type { TaskOfKind } from './ir.ts';
import { placeholder } from './placeholders.ts';
import { backoffChoices, pokesUntilTimeout, type RunExits, retryOf, type TaskEmitContext } from './task-states.ts';
import { compileTemplatedEntry, compileTemplatedValue } from './templates.ts';

/**
 * The states of the cross-DAG tasks. No worker runs them: `triggerDag` invokes the stack's trigger function (the
 * same admission as a schedule or `airstep trigger`: params checked, `maxActiveRuns` queueing, paused DAGs, the
 * run id as execution name), and both wait with one loop of DynamoDB reads of the stack's run records and Wait
 * states, the way the S3 sensor polls S3.
 */

/** The trigger outcomes that mean the run exists: started now, queued behind `maxActiveRuns`, or there already. */
const RUN_EXISTS = ['started', 'queued', 'duplicate'] as const;

/**
 * `triggerDag`: invoke the trigger function with a manual-run event for the target DAG. The run id is fixed per
 * parent run and task (unless the author gives one), so a retried step (the trigger answered but the answer was
 * lost) or a cleared task finds the run it started (`duplicate`) and never starts a second one. A refusal (unknown
 * or disabled DAG, paused DAG, conf failing the target's params) fails the task with the trigger's reasons.
 */
export function emitTriggerDag(c: TaskEmitContext, task: TaskOfKind<'trigger_dag'>, exits: RunExits): string {
  const { trigger } = task;
  const record = `$.tasks.${task.key}`;
  const n = (suffix: string) => `${c.name}:${suffix}`;
  const runId =
    trigger.runId !== undefined
      ? compileTemplatedEntry('runId', trigger.runId, c.resolve)
      : { 'runId.$': `States.Format('triggered__${c.ir.dagId}.${task.id}__{}', $.ctx.runId)` };
  c.add(c.name, {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: {
      FunctionName: placeholder.triggerFunctionArn,
      Payload: {
        kind: 'manual',
        dagId: trigger.dagId,
        conf: trigger.conf !== undefined ? compileTemplatedValue(trigger.conf, c.resolve) : {},
        ...(trigger.logicalDate !== undefined
          ? compileTemplatedEntry('logicalDate', trigger.logicalDate, c.resolve)
          : {}),
        ...runId,
      },
    },
    ResultSelector: { 'answer.$': '$.Payload' },
    ResultPath: record,
    ...retryOf(task, false),
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: record, Next: exits.caught }],
    Next: n('answered'),
  });
  const next = trigger.wait !== undefined ? n('start') : n('triggered');
  c.add(n('answered'), {
    Type: 'Choice',
    Choices: [
      {
        Or: RUN_EXISTS.map((outcome) => ({ Variable: `${record}.answer.outcome`, StringEquals: outcome })),
        Next: next,
      },
    ],
    Default: n('refused'),
  });
  c.add(n('refused'), {
    Type: 'Pass',
    Parameters: {
      state: 'failed',
      output: null,
      error: { Error: 'TriggerRefused', 'Cause.$': `States.JsonToString(${record}.answer)` },
    },
    ResultPath: record,
    ...c.end(exits.failed()),
  });
  if (trigger.wait === undefined) {
    c.add(n('triggered'), {
      Type: 'Pass',
      Parameters: { state: 'success', output: { dagId: trigger.dagId, 'runId.$': `${record}.answer.runId` } },
      ResultPath: record,
      ...c.end(exits.success),
    });
    return c.name;
  }
  emitRunWait(c, exits, {
    wait: trigger.wait,
    initial: { 'runId.$': `${record}.answer.runId` },
    carried: { 'runId.$': `${record}.runId` },
    startNext: n('poke'),
    poke: (pokeName, check) =>
      c.add(pokeName, {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:getItem',
        Parameters: {
          TableName: placeholder.runsTable,
          Key: { dagId: { S: trigger.dagId }, runId: { 'S.$': `${record}.runId` } },
          ConsistentRead: true,
        },
        ResultPath: `${record}.poke`,
        ...retryOf(task, false),
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: record, Next: exits.caught }],
        Next: check,
      }),
    statePath: `${record}.poke.Item.state.S`,
    found: { dagId: trigger.dagId, 'runId.$': `${record}.runId`, 'state.$': `${record}.poke.Item.state.S` },
    what: `run {} of ${trigger.dagId}`,
    whatArgs: [`${record}.runId`],
  });
  return c.name;
}

/**
 * `externalTaskSensor`: find the external DAG's run with the same logical date (a Query of the runs table on the
 * DAG, filtered on `logicalDate`, following pages), then read its state, or its task's record in the
 * task-instances table, until the state is allowed, failed or skipped.
 */
export function emitExternalTaskSensor(
  c: TaskEmitContext,
  task: TaskOfKind<'external_task_sensor'>,
  exits: RunExits,
): string {
  const { external } = task;
  const record = `$.tasks.${task.key}`;
  const n = (suffix: string) => `${c.name}:${suffix}`;
  const catchAll = { Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: record, Next: exits.caught }] };
  const query = (exclusiveStart: boolean) => ({
    Type: 'Task' as const,
    Resource: 'arn:aws:states:::aws-sdk:dynamodb:query',
    Parameters: {
      TableName: placeholder.runsTable,
      KeyConditionExpression: 'dagId = :dag',
      FilterExpression: 'logicalDate = :date',
      ProjectionExpression: 'runId, #state',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':dag': { S: external.dagId }, ':date': { 'S.$': `${record}.logicalDate` } },
      ConsistentRead: true,
      ...(exclusiveStart ? { 'ExclusiveStartKey.$': `${record}.poke.LastEvaluatedKey` } : {}),
    },
    ResultPath: `${record}.poke`,
    ...retryOf(task, false),
    ...catchAll,
    Next: n('page'),
  });
  const firstRun = `${record}.poke.Items[0]`;
  emitRunWait(c, exits, {
    wait: task.sensor,
    carried: { 'logicalDate.$': `${record}.logicalDate` },
    initial: compileTemplatedEntry('logicalDate', external.logicalDate, c.resolve),
    startNext: c.name,
    poke: (pokeName, check) => {
      c.add(pokeName, query(false));
      // A filtered Query may answer an empty page with more to read: read on before counting a poke.
      c.add(n('page'), {
        Type: 'Choice',
        Choices: [
          {
            Variable: `${record}.poke.Count`,
            NumericGreaterThan: 0,
            Next: external.taskId !== undefined ? n('task_poke') : check,
          },
          { Variable: `${record}.poke.LastEvaluatedKey`, IsPresent: true, Next: n('next_page') },
        ],
        Default: check,
      });
      c.add(n('next_page'), query(true));
      if (external.taskId !== undefined) {
        c.add(n('task_poke'), {
          Type: 'Task',
          Resource: 'arn:aws:states:::dynamodb:getItem',
          Parameters: {
            TableName: placeholder.taskInstancesTable,
            Key: {
              runKey: { 'S.$': `States.Format('${external.dagId}#{}', ${firstRun}.runId.S)` },
              taskKey: { S: `${external.taskId}#-1` },
            },
            ConsistentRead: true,
          },
          ResultPath: `${record}.instance`,
          ...retryOf(task, false),
          ...catchAll,
          Next: check,
        });
      }
    },
    statePath: external.taskId !== undefined ? `${record}.instance.Item.state.S` : `${firstRun}.state.S`,
    found: {
      'runId.$': `${firstRun}.runId.S`,
      'state.$': external.taskId !== undefined ? `${record}.instance.Item.state.S` : `${firstRun}.state.S`,
    },
    what:
      external.taskId !== undefined
        ? `task ${external.taskId} of ${external.dagId} ({})`
        : `the run of ${external.dagId} for {}`,
    whatArgs: [external.taskId !== undefined ? `${firstRun}.runId.S` : `${record}.logicalDate`],
  });
  return n('start');
}

interface RunWait {
  readonly wait: RunWaitIR;
  /** Fields kept in the task's record from poke to poke (the run id, the logical date). */
  readonly carried: PayloadTemplate;
  /** Their first values, when not already in the record. */
  readonly initial?: PayloadTemplate;
  /** Where the start state goes: the first poke. */
  readonly startNext: string;
  /** Adds the state(s) named `pokeName` that read the state and go on to `check`. */
  readonly poke: (pokeName: string, check: string) => void;
  /** Where the state read is, once a poke found it (may be absent: nothing found yet). */
  readonly statePath: string;
  /** The task's result when the state is allowed. */
  readonly found: PayloadTemplate;
  /** A States.Format template naming what is waited for, with its arguments. */
  readonly what: string;
  readonly whatArgs: readonly string[];
}

/**
 * The loop both cross-DAG tasks wait with: start (poke count 0), poke, check, tick, wait, poke again. The state
 * read decides at once (allowed: success; failed: failed; skipped: skipped); nothing found or another state
 * waits, up to the timeout (counted in pokes, as the S3 sensor counts it: Step Functions has no date arithmetic).
 */
function emitRunWait(c: TaskEmitContext, exits: RunExits, loop: RunWait): void {
  const { wait } = loop;
  const record = `$.tasks.${c.task.key}`;
  const n = (suffix: string) => `${c.name}:${suffix}`;
  const pokeName = loop.startNext === c.name ? c.name : n('poke');
  c.add(n('start'), {
    Type: 'Pass',
    Parameters: { n: 0, wait: wait.pokeSeconds, ...(loop.initial ?? loop.carried) },
    ResultPath: record,
    Next: pokeName,
  });
  loop.poke(pokeName, n('check'));
  const isOneOf = (states: readonly string[]): ChoiceRule => ({
    And: [
      { Variable: loop.statePath, IsPresent: true },
      states.length === 1
        ? { Variable: loop.statePath, StringEquals: states[0]! }
        : { Or: states.map((state) => ({ Variable: loop.statePath, StringEquals: state })) },
    ],
  });
  const maxPokes = pokesUntilTimeout(wait);
  const timedOut = wait.softFail ? exits.skipped() : n('timed_out');
  const growth: ChoiceRuleWithNext[] = wait.exponentialBackoff ? backoffChoices(wait, record, n) : [];
  // `exits.skipped()` adds the skipped state when called: only ask for it where it is used.
  const ended = (states: readonly string[], next: () => string): ChoiceRuleWithNext[] =>
    states.length > 0 ? [{ ...isOneOf(states), Next: next() } as ChoiceRuleWithNext] : [];
  c.add(n('check'), {
    Type: 'Choice',
    Choices: [
      ...ended(wait.allowedStates, () => n('found')),
      ...ended(wait.failedStates, () => n('run_failed')),
      ...ended(wait.skippedStates, exits.skipped),
      { Variable: `${record}.n`, NumericGreaterThanEquals: maxPokes - 1, Next: timedOut },
      ...growth,
    ],
    Default: n('tick'),
  });
  c.add(n('found'), {
    Type: 'Pass',
    Parameters: { state: 'success', output: loop.found },
    ResultPath: record,
    ...c.end(exits.success),
  });
  const format = (template: string) => `States.Format('${template}', ${[...loop.whatArgs, loop.statePath].join(', ')})`;
  if (wait.failedStates.length > 0) {
    c.add(n('run_failed'), {
      Type: 'Pass',
      Parameters: {
        state: 'failed',
        output: null,
        error: { Error: 'ExternalStateFailed', 'Cause.$': format(`${loop.what} is {}`) },
      },
      ResultPath: record,
      ...c.end(exits.failed()),
    });
  }
  if (!wait.softFail) {
    c.add(n('timed_out'), {
      Type: 'Pass',
      Parameters: {
        state: 'failed',
        output: null,
        error: {
          Error: 'SensorTimeout',
          Cause: `not in ${wait.allowedStates.join(', ')} after ${maxPokes} pokes (${wait.timeoutSeconds}s)`,
        },
      },
      ResultPath: record,
      ...c.end(exits.failed()),
    });
  }
  const tick = (name: string, waitField: PayloadTemplate) =>
    c.add(name, {
      Type: 'Pass',
      Parameters: { 'n.$': `States.MathAdd(${record}.n, 1)`, ...waitField, ...loop.carried },
      ResultPath: record,
      Next: n('wait'),
    });
  tick(n('tick'), { 'wait.$': `${record}.wait` });
  if (wait.exponentialBackoff) {
    tick(n('tick_grow'), { 'wait.$': `States.MathAdd(${record}.wait, ${record}.wait)` });
    if (wait.maxWaitSeconds !== undefined) tick(n('tick_cap'), { wait: wait.maxWaitSeconds });
  }
  c.add(n('wait'), { Type: 'Wait', SecondsPath: `${record}.wait`, Next: pokeName });
}
