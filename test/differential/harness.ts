import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { GateCoordinator } from '../../lib/local/gate-coordinator.ts';
import type { Definition } from '../../lib/local/interpreter.ts';
import { runDagLocally } from '../../lib/local/run-dag.ts';
import type { TaskMessage } from '../../lib/runtime/task-message.ts';
import type { Dag } from '../../lib/sdk/dag.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * Runs one compiled DAG twice with the same task behaviour: in the local engine, and on an emulator's Step
 * Functions (moto or MiniStack) with a test worker that polls the SQS task queues and answers with
 * SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat, and that opens gates from the control queue as the
 * runtime does. Both sides are read the same way: the task records in the last top-level state's output, the
 * final execution status, and how often each task's behaviour was called (its tries).
 */

/** What a task try answers, in the worker contract's terms. */
export type Answer = { ok: true; output: unknown } | { ok: false; error: string; cause?: string };
export type Behaviour = (message: TaskMessage, io: { heartbeat(): void }) => Promise<Answer>;

export interface Case {
  readonly name: string;
  readonly dag: Dag;
  /** Per task id; a task without one succeeds with `'<task> done'`. */
  readonly behaviours?: Readonly<Record<string, Behaviour>>;
  /**
   * Why the emulator cannot run this case (a known emulator gap). Such a case is not compared; the local
   * engine's result is checked against `expected` (Airflow's semantics) instead.
   */
  readonly emulatorGap?: string;
  readonly expected?: Partial<Observed>;
}

export interface Observed {
  readonly status: string;
  readonly error?: string;
  readonly tasks: Record<string, { state: string; try?: number; output?: unknown; error?: string }>;
  /** Tries per task as the worker saw them (map items count under `task[index]`). */
  readonly calls: Record<string, number>;
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

const succeed: Behaviour = async (message) => ({ ok: true, output: `${message.taskId} done` });

function behaviourOf(test: Case, taskId: string): Behaviour {
  return test.behaviours?.[taskId] ?? succeed;
}

function callKey(message: TaskMessage): string {
  return message.mapIndex >= 0 ? `${message.taskId}[${message.mapIndex}]` : message.taskId;
}

/** Task records of the payload the top-level states left last (the run's final payload). */
function finalTasks(outputs: Array<{ name: string; output: unknown }>, definition: Definition): Observed['tasks'] {
  const topLevel = new Set(Object.keys(definition.States));
  const last = outputs.filter((exit) => topLevel.has(exit.name)).at(-1)?.output as
    | { tasks?: Record<string, Record<string, unknown>> }
    | undefined;
  const tasks: Observed['tasks'] = {};
  for (const [key, record] of Object.entries(last?.tasks ?? {})) {
    const error = (record.error as { Error?: string } | undefined)?.Error;
    tasks[key] = {
      state: String(record.state),
      ...(record.try !== undefined ? { try: record.try as number } : {}),
      ...(record.output !== undefined ? { output: record.output } : {}),
      ...(error !== undefined ? { error } : {}),
    };
  }
  return tasks;
}

export async function runLocal(test: Case): Promise<Observed> {
  const compiled = compileDag(test.dag);
  const calls: Record<string, number> = {};
  const outputs: Array<{ name: string; output: unknown }> = [];
  const { execution } = await runDagLocally({
    dag: test.dag,
    ctx: manualContext(test.dag),
    runTry: async (message, hooks) => {
      calls[callKey(message)] = (calls[callKey(message)] ?? 0) + 1;
      const answer = await behaviourOf(test, message.taskId)(message, { heartbeat: hooks.onHeartbeat });
      const tryNumber = message.retryCount + 1;
      return {
        outcome: answer.ok
          ? { ok: true, result: { output: answer.output, try: tryNumber } }
          : { ok: false, error: answer.error, cause: answer.cause ?? '', try: tryNumber },
        logs: [],
      };
    },
    onEvent: (event) => {
      if (event.type === 'StateExited' && event.stateName !== undefined)
        outputs.push({ name: event.stateName, output: event.output });
    },
  });
  return {
    status: execution.status,
    ...(execution.error !== undefined ? { error: execution.error } : {}),
    tasks: finalTasks(outputs, JSON.parse(compiled.asl!) as Definition),
    calls,
  };
}

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let unique = 0;

export async function runOnEmulator(test: Case, endpoint: string): Promise<Observed> {
  const compiled = compileDag(test.dag);
  if (compiled.asl === undefined)
    throw new Error(`${test.name}: ${compiled.problems.map((p) => p.message).join('; ')}`);
  const sqs = new SQSClient({ endpoint, region: 'us-east-1', credentials });
  const sfn = new SFNClient({ endpoint, region: 'us-east-1', credentials });
  const prefix = `${test.name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40)}-${++unique}-${Date.now() % 100000}`;

  const queues = new Map<string, string>();
  const queueUrl = async (name: string) => {
    if (!queues.has(name)) {
      const created = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-${name}` }));
      queues.set(name, created.QueueUrl!);
    }
    return queues.get(name)!;
  };
  const controlQueue = await queueUrl('control');
  for (const task of compiled.ir.tasks) await queueUrl(`task-${task.queue}`);
  const names = [...compiled.asl.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1]!);
  const values = new Map<string, string>();
  for (const name of new Set(names)) {
    if (name === 'ControlQueueUrl') values.set(name, controlQueue);
    else if (name.startsWith('TaskQueueUrl_'))
      values.set(name, await queueUrl(`task-${name.slice('TaskQueueUrl_'.length)}`));
    else if (name === 'DagVersion') values.set(name, 'v1');
    else values.set(name, `unused-${name}`);
  }
  const definition = compiled.asl.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => values.get(name)!);
  const machine = await sfn.send(
    new CreateStateMachineCommand({
      name: prefix,
      definition,
      roleArn: 'arn:aws:iam::000000000000:role/airstep-state-machines',
    }),
  );
  const execution = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: machine.stateMachineArn!,
      name: 'run',
      input: JSON.stringify({ ctx: manualContext(test.dag), tasks: {}, gates: {} }),
    }),
  );
  const executionArn = execution.executionArn!;

  const calls: Record<string, number> = {};
  const byId = new Map(compiled.ir.tasks.map((task) => [task.id, task.key]));
  const gates = new GateCoordinator((id) => byId.get(id)!);
  const quiet = (error: unknown) => {
    // A try whose state already gave up (timeout, heartbeat) is answered too late: AWS says TaskTimedOut.
    const name = (error as { name?: string }).name ?? '';
    if (!/TaskTimedOut|InvalidToken|TaskDoesNotExist/.test(name)) throw error;
  };
  const work = async (message: TaskMessage) => {
    calls[callKey(message)] = (calls[callKey(message)] ?? 0) + 1;
    const heartbeat = () => void sfn.send(new SendTaskHeartbeatCommand({ taskToken: message.token })).catch(quiet);
    const answer = await behaviourOf(test, message.taskId)(message, { heartbeat });
    const tryNumber = message.retryCount + 1;
    await (answer.ok
      ? sfn.send(
          new SendTaskSuccessCommand({
            taskToken: message.token,
            output: JSON.stringify({ output: answer.output, try: tryNumber }),
          }),
        )
      : sfn.send(
          new SendTaskFailureCommand({ taskToken: message.token, error: answer.error, cause: answer.cause ?? '' }),
        )
    ).catch(quiet);
  };
  const control = (message: {
    kind: string;
    executionArn: string;
    taskId: string;
    waitFor: string[];
    token: string;
    record: unknown;
  }) => {
    if (message.kind === 'signal') gates.signal(message.executionArn, message.taskId, message.record);
    else if (message.kind === 'gate') {
      gates.gate(
        message.executionArn,
        message.waitFor,
        (records) =>
          void sfn
            .send(new SendTaskSuccessCommand({ taskToken: message.token, output: JSON.stringify(records) }))
            .catch(quiet),
      );
    }
  };

  let done = false;
  const inFlight = new Set<Promise<void>>();
  const poll = async (url: string, handle: (body: unknown) => void) => {
    while (!done) {
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
      );
      for (const message of received.Messages ?? []) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle! }));
        handle(JSON.parse(message.Body!));
      }
    }
  };
  const pollers = [...queues.entries()].map(([name, url]) =>
    poll(url, (body) => {
      if (name === 'control') control(body as Parameters<typeof control>[0]);
      else {
        const running = work(body as TaskMessage);
        inFlight.add(running);
        void running.finally(() => inFlight.delete(running));
      }
    }),
  );

  let described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const deadline = Date.now() + (Number(process.env.AIRSTEP_DIFF_DEADLINE_MS) || 60_000);
  while (described.status === 'RUNNING' && Date.now() < deadline) {
    await sleep(150);
    described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  }
  done = true;
  await Promise.all([...pollers, ...inFlight]);

  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  const outputs = events
    .filter((event) => event.stateExitedEventDetails !== undefined)
    .map((event) => ({
      name: event.stateExitedEventDetails!.name!,
      output: JSON.parse(event.stateExitedEventDetails!.output ?? 'null'),
    }));
  return {
    status: described.status ?? 'UNKNOWN',
    ...(described.error !== undefined ? { error: described.error } : {}),
    tasks: finalTasks(outputs, JSON.parse(compiled.asl) as Definition),
    calls,
  };
}
