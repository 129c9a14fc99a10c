import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SendTaskFailureCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';

/**
 * Pins what moto 5.2.5 does with the ASL constructs behind each entry of MOTO_GAPS and MOTO_FIELD_GAPS, on small
 * hand-written state machines. If a moto upgrade closes a gap, the test for it fails: then move the cases it
 * kept out back into the comparison.
 */
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let moto: RunningEmulator;
let sfn: SFNClient;
let sqs: SQSClient;
let made = 0;

beforeAll(async () => {
  moto = await startEmulator('moto');
  sfn = new SFNClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials });
  sqs = new SQSClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials });
});
afterAll(async () => {
  sfn?.destroy();
  sqs?.destroy();
  await moto?.stop();
});

interface Message {
  readonly token: string;
  readonly retryCount: number;
}

/** Runs a definition (`QUEUE` stands for a fresh queue URL) and answers each task message with `answer`. */
async function execute(
  definition: object,
  answer: (message: Message) => Promise<void> = async () => undefined,
): Promise<{ described: DescribeExecutionCommandOutput; messages: Message[] }> {
  const id = ++made;
  const queue = (await sqs.send(new CreateQueueCommand({ QueueName: `probe-${id}` }))).QueueUrl!;
  const machine = await sfn.send(
    new CreateStateMachineCommand({
      name: `probe-${id}`,
      definition: JSON.stringify(definition).replaceAll('QUEUE', queue),
      roleArn: 'arn:aws:iam::123456789012:role/probe',
    }),
  );
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn! }));
  const messages: Message[] = [];
  let done = false;
  const polling = (async () => {
    while (!done) {
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue, WaitTimeSeconds: 1 }));
      for (const message of received.Messages ?? []) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queue, ReceiptHandle: message.ReceiptHandle! }));
        const body = JSON.parse(message.Body!) as Message;
        messages.push(body);
        void answer(body).catch(() => undefined);
      }
    }
  })();
  let described: DescribeExecutionCommandOutput;
  try {
    const deadline = Date.now() + 90_000; // a backstop for a hang: each probe ends in seconds
    do {
      await new Promise((resolve) => setTimeout(resolve, 100));
      described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    } while (described.status === 'RUNNING' && Date.now() < deadline);
  } finally {
    done = true;
    await polling;
  }
  return { described, messages };
}

/** A waitForTaskToken state sending `{ token, retryCount }`, caught into `$.caught`. */
function waitingTask(fields: object): object {
  return {
    StartAt: 'Work',
    States: {
      Work: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: {
          QueueUrl: 'QUEUE',
          MessageBody: { 'token.$': '$$.Task.Token', 'retryCount.$': '$$.State.RetryCount' },
        },
        ResultPath: '$.result',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'Caught' }],
        End: true,
        ...fields,
      },
      Caught: { Type: 'Pass', End: true },
    },
  };
}

const failWith = (error: (message: Message) => string) => async (message: Message) => {
  await sfn.send(new SendTaskFailureCommand({ taskToken: message.token, error: error(message), cause: 'the cause' }));
};
const output = (described: DescribeExecutionCommandOutput) => JSON.parse(described.output ?? 'null');

describe.concurrent('moto 5.2.5 probe: MOTO_GAPS', () => {
  it('parallel-merge: $[0].field is a one-element list, so merging branch payloads fails with States.Runtime', async () => {
    const branch = (key: string) => ({
      StartAt: key,
      States: { [key]: { Type: 'Pass', Result: { state: 'success' }, ResultPath: `$.tasks.${key}`, End: true } },
    });
    const parallel = (selector: object) => ({
      StartAt: 'P',
      States: { P: { Type: 'Parallel', Branches: [branch('a'), branch('b')], ResultSelector: selector, End: true } },
    });
    const read = await execute(parallel({ 'first.$': '$[0].tasks' }));
    expect(read.described.status).toBe('SUCCEEDED');
    // AWS (and the local engine): { a: … }; moto wraps it in a list.
    expect(output(read.described).first).toEqual([{ a: { state: 'success' } }]);
    const merged = await execute(parallel({ 'tasks.$': 'States.JsonMerge($[0].tasks, $[1].tasks, false)' }));
    expect([merged.described.status, merged.described.error]).toEqual(['FAILED', 'States.Runtime']);
  });

  it('retry-reuses-token: without HeartbeatSeconds a retried attempt gets the previous answer at once', async () => {
    const retry = { Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 1 }] };
    const { described, messages } = await execute(
      waitingTask(retry),
      failWith((message) => (message.retryCount === 0 ? 'FirstTry' : 'SecondTry')),
    );
    expect(messages.map((message) => message.retryCount)).toEqual([0, 1]);
    expect(messages[1]!.token).toBe(messages[0]!.token);
    // AWS: the second try's own answer (SecondTry); moto: the first try's, replayed.
    expect(output(described).caught.Error).toBe('FirstTry');
  });

  it('retry-reuses-token: with HeartbeatSeconds (as Airstep emits by default) the retried attempt waits for its answer', async () => {
    const retry = {
      HeartbeatSeconds: 60,
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 1 }],
    };
    const { described } = await execute(
      waitingTask(retry),
      failWith((message) => (message.retryCount === 0 ? 'FirstTry' : 'SecondTry')),
    );
    expect(output(described).caught.Error).toBe('SecondTry');
  });

  it('s3-result-timestamps: DescribeExecution fails once the execution holds a listObjectsV2 or copyObject result', async () => {
    const s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'probe-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'probe-bucket', Key: 'exports/x.json', Body: '[]' }));
    s3.destroy();
    const call = (resource: string, parameters: object) => ({
      StartAt: 'Call',
      States: { Call: { Type: 'Task', Resource: resource, Parameters: parameters, End: true } },
    });
    const nothingFound = await execute(
      call('arn:aws:states:::aws-sdk:s3:listObjectsV2', { Bucket: 'probe-bucket', Prefix: 'none/' }),
    );
    expect(output(nothingFound.described).KeyCount).toBe(0);
    await expect(
      execute(call('arn:aws:states:::aws-sdk:s3:listObjectsV2', { Bucket: 'probe-bucket', Prefix: 'exports/' })),
    ).rejects.toThrow();
    await expect(
      execute(
        call('arn:aws:states:::aws-sdk:s3:copyObject', {
          Bucket: 'probe-bucket',
          Key: 'copy.json',
          CopySource: 'probe-bucket/exports/x.json',
        }),
      ),
    ).rejects.toThrow();
  });
});

describe.concurrent('moto 5.2.5 probe: MOTO_FIELD_GAPS', () => {
  it('Cause: the cause of SendTaskFailure is dropped', async () => {
    const { described } = await execute(
      waitingTask({}),
      failWith(() => 'Boom'),
    );
    expect(output(described).caught).toEqual({ Error: 'Boom', Cause: null });
  });

  it('States.HeartbeatTimeout: a lost heartbeat is States.Timeout and cannot be caught by that name', async () => {
    const lost = await execute(waitingTask({ HeartbeatSeconds: 1 }));
    expect(output(lost.described).caught.Error).toBe('States.Timeout');
    const byName = await execute(
      waitingTask({
        HeartbeatSeconds: 1,
        Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], ResultPath: '$.caught', Next: 'Caught' }],
      }),
    );
    expect([byName.described.status, byName.described.error]).toEqual(['FAILED', 'States.Timeout']);
  });

  it('TIMED_OUT error: an execution past the state machine TimeoutSeconds has no error', async () => {
    const { described } = await execute({
      StartAt: 'Wait',
      TimeoutSeconds: 1,
      States: { Wait: { Type: 'Wait', Seconds: 5, End: true } },
    });
    expect(described.status).toBe('TIMED_OUT');
    expect(described.error).toBeUndefined();
  });
});
