import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { manualContext } from '../helpers/run-context.ts';
import { runFunction } from './harness/behaviour.ts';
import type { DifferentialCase } from './harness/case.ts';
import { type EmulatorServices, useEmulatorServices } from './harness/emulator-services.ts';
import { expectAirflowOutcome } from './harness/expectations.ts';
import type { Observed } from './harness/observe.ts';
import { runOnEmulator } from './harness/run-emulator.ts';
import { type LocalRun, runLocal } from './harness/run-local.ts';

/**
 * Every field of the native steps that the examples leave out (s3Put with `contentType`, dynamoGet, dynamoUpdate's
 * expression, names and values, sqsSend), each with an effect a later task reads back: the local engine's native
 * steps and moto's Step Functions make the same AWS calls against the same emulator. On moto because MiniStack
 * 1.5.33 has no aws-sdk:s3:putObject integration; s3Copy is compared on MiniStack with the csv_to_json example
 * (moto cannot serialise its result). The two
 * runs go one after the other, not side by side as in the other differential suites: they write the same object
 * and item, and an update interleaved with the other run's put would change what each reads.
 */
const fields = dag({
  id: 'diff_native_fields',
  params: { queueUrl: { type: 'string', default: '' } },
});
const put = fields.s3Put('put', {
  bucket: 'airstep-raw',
  key: 'native-fields/{{ ds }}/in.json',
  body: '{"rows": 3}',
  contentType: 'application/json',
});
// The object as s3Put wrote it: its content type and body come from the step's fields.
const written = fields.task('read_object', { upstream: put }, async (ctx) => {
  const s3 = ctx.aws.client(S3Client);
  const Key = `native-fields/${ctx.ds}/in.json`;
  const head = await s3.send(new HeadObjectCommand({ Bucket: 'airstep-raw', Key }));
  const body = await (await s3.send(new GetObjectCommand({ Bucket: 'airstep-raw', Key }))).Body!.transformToString();
  return { contentType: head.ContentType, body };
});
const item = fields.dynamoPut('put_item', {
  table: 'airstep-audit',
  item: { pk: { S: 'native-fields#{{ ds }}' }, count: { N: '1' } },
  upstream: written,
});
const bump = fields.dynamoUpdate('bump', {
  table: 'airstep-audit',
  key: { pk: { S: 'native-fields#{{ ds }}' } },
  updateExpression: 'SET #count = #count + :step, #day = :day',
  expressionAttributeNames: { '#count': 'count', '#day': 'day' },
  expressionAttributeValues: { ':step': { N: '2' }, ':day': { S: '{{ ds }}' } },
  upstream: item,
});
const got = fields.dynamoGet('get_item', {
  table: 'airstep-audit',
  key: { pk: { S: 'native-fields#{{ ds }}' } },
  upstream: bump,
});
const counted = fields.task('read_item', { inputs: { got } }, async (_ctx, { got }) => {
  const found = got as { Item: { count: { N: string }; day: { S: string } } };
  return { count: found.Item.count.N, day: found.Item.day.S };
});
const sent = fields.sqsSend('send', {
  queueUrl: '{{ params.queueUrl }}',
  body: 'ready for {{ ds }}',
  upstream: counted,
});
// SQS answers the MD5 of the body it stored: the templated body arrived as written.
fields.task(
  'read_send',
  { inputs: { sent } },
  async (_ctx, { sent }) => (sent as { MD5OfMessageBody: string }).MD5OfMessageBody,
);

let moto: RunningEmulator;
let services: EmulatorServices;
let testCase: DifferentialCase;

beforeAll(async () => {
  moto = await startEmulator('moto');
  services = await useEmulatorServices(moto);
  const sqs = new SQSClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'airstep-native-fields' }));
  sqs.destroy();
  testCase = {
    name: 'every native step field',
    dag: fields,
    ctx: manualContext(fields, { queueUrl: QueueUrl! }),
    defaultBehaviour: runFunction(),
    native: true,
    expected: {
      status: 'SUCCEEDED',
      tasks: {
        put: { state: 'success' },
        put_item: { state: 'success' },
        bump: { state: 'success' },
        get_item: { state: 'success' },
        send: { state: 'success' },
        read_object: { state: 'success' },
        read_item: { state: 'success' },
        read_send: { state: 'success' },
      },
    },
  };
});

afterAll(async () => {
  await moto?.stop();
});

describe('Differential: native step fields, local engine = moto 5.2.5', () => {
  it('puts with a content type, updates with expression names and values, reads back, sends a templated message', {
    timeout: 240_000,
  }, async () => {
    const local: LocalRun = await runLocal(testCase, services.native);
    const remote: Observed = await runOnEmulator(testCase, moto.endpoint);
    // SQS gives each sent message a new id; everything else must agree.
    expect(withoutMessageIds(remote)).toEqual(withoutMessageIds(local.observed));
    expectAirflowOutcome(local.observed, testCase.expected);
    // What each reading task found (its answer; no downstream task reads it, so the run's record keeps none).
    const answer = (task: string) => local.observed.calls[task]?.[0]?.answer;
    expect(answer('read_object')).toEqual({
      ok: true,
      output: { contentType: 'application/json', body: '{"rows": 3}' },
    });
    expect(answer('read_item')).toEqual({ ok: true, output: { count: '3', day: '2026-11-22' } });
    // md5("ready for 2026-11-22"): SQS stored the templated body.
    expect(answer('read_send')).toEqual({ ok: true, output: 'f39dfbfe8e2b99df8eecd5d5d8650ab9' });
  });
});

function withoutMessageIds(observed: Observed): unknown {
  return JSON.parse(JSON.stringify(observed), (key, value) => (key === 'MessageId' ? '<message id>' : value));
}
