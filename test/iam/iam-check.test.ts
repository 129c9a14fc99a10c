import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { IamCheck } from './check-calls.ts';
import type { RecordedCall } from './iam-requests.ts';
import type { StackFacts } from './stack-facts.ts';
import { readStackFacts } from './stack-facts-file.ts';
import { asRole, type StackRole } from './stack-role.ts';
import { TemplateValues } from './template-values.ts';

/**
 * The IAM check itself: calls evaluated against the synthesized default stack's policies, with a test's resource
 * names mapped to the template's through the role's Airstep variables.
 */
let check: IamCheck;
let facts: StackFacts;
beforeAll(async () => {
  facts = await readStackFacts(inject('iamStackFacts'));
  check = new IamCheck(facts);
});

const env = {
  [STACK_ENV.bucket]: 'test-bucket',
  [STACK_ENV.taskInstancesTable]: 'test-task-instances',
  [STACK_ENV.scheduleGroup]: 'test-dags',
  [STACK_ENV.namePrefix]: 'test',
};
const call = (role: StackRole, service: string, command: string, input: Record<string, unknown>): RecordedCall => ({
  role,
  service,
  command,
  input,
  env,
});
const allowed = async (recorded: RecordedCall) => (await check.denials([recorded])).length === 0;

describe('IAM check', () => {
  it('allows what a role is granted and denies the rest, on the resources the test named', async () => {
    expect(
      await allowed(call('worker', 'S3', 'GetObject', { Bucket: 'test-bucket', Key: 'artifacts/d/v/bundle.mjs' })),
    ).toBe(true);
    expect(await allowed(call('worker', 'S3', 'GetObject', { Bucket: 'test-bucket', Key: 'dags/d.ts' }))).toBe(false);
    expect(await allowed(call('worker', 'SFN', 'SendTaskSuccess', { taskToken: 't', output: '{}' }))).toBe(true);
    expect(await allowed(call('trigger', 'SFN', 'SendTaskSuccess', { taskToken: 't', output: '{}' }))).toBe(false);
    expect(await allowed(call('worker', 'DynamoDB', 'UpdateItem', { TableName: 'test-task-instances' }))).toBe(true);
    expect(await allowed(call('trigger', 'DynamoDB', 'UpdateItem', { TableName: 'test-task-instances' }))).toBe(false);
  });

  it('names the role, action and resource of a denied call', async () => {
    const [denial] = await check.denials([
      call('worker', 'S3', 'PutObject', { Bucket: 'test-bucket', Key: 'dags/x.ts' }),
    ]);
    expect(denial).toMatchObject({ role: 'worker', action: 's3:PutObject', result: 'ImplicitlyDenied' });
    expect(denial!.resource).toMatch(/^arn:aws:s3:::[^/]+\/dags\/x\.ts$/);
    expect(denial!.resource).not.toContain('test-bucket');
  });

  it("maps an emulator's state machine and schedule names to the stack's", async () => {
    const machine = 'arn:aws:states:us-east-1:000000000000:stateMachine:test-etl';
    const [request] = check.requestsOf(call('dagSync', 'SFN', 'DescribeStateMachine', { stateMachineArn: machine }));
    expect(request!.resource).toBe('arn:aws:states:us-east-1:111122223333:stateMachine:airstep-etl');
    const [schedule] = check.requestsOf(
      call('dagSync', 'Scheduler', 'DeleteSchedule', { Name: 'etl--1', GroupName: 'test-dags' }),
    );
    expect(schedule!.resource).toMatch(/^arn:aws:scheduler:us-east-1:111122223333:schedule\/airstep-dags\/etl--1$/);
    expect(
      await allowed(call('dagSync', 'Scheduler', 'DeleteSchedule', { Name: 'etl--1', GroupName: 'test-dags' })),
    ).toBe(true);
    expect(await allowed(call('dagSync', 'Scheduler', 'DeleteSchedule', { Name: 'etl--1', GroupName: 'other' }))).toBe(
      false,
    );
  });

  it("lets the DAG evaluator's role write its own logs and nothing else (DAG code runs under it)", async () => {
    const values = new TemplateValues(facts.resources);
    const logGroupOf = (role: StackRole) => {
      const fn = Object.values(facts.resources).find(
        (resource) =>
          resource.Type === 'AWS::Lambda::Function' &&
          resource.Properties.Role?.['Fn::GetAtt']?.[0] === facts.roles[role],
      );
      return values.resolve({ 'Fn::GetAtt': [fn!.Properties.LoggingConfig.LogGroup.Ref, 'Arn'] }) as string;
    };
    const own = logGroupOf('dagEvaluator');
    const stream = `${own.replace(/:\*$/, '')}:log-stream:2026/12/06/[$LATEST]abc`;
    expect(await check.decide('dagEvaluator', { action: 'logs:PutLogEvents', resource: stream })).toBe('Allowed');
    expect(await check.decide('dagEvaluator', { action: 'logs:CreateLogStream', resource: stream })).toBe('Allowed');
    const dagSyncStream = `${logGroupOf('dagSync').replace(/:\*$/, '')}:log-stream:s`;
    const arn = (service: string, resource: string) => `arn:aws:${service}:us-east-1:111122223333:${resource}`;
    const refused: Array<[string, string]> = [
      ['logs:PutLogEvents', dagSyncStream],
      ['s3:GetObject', 'arn:aws:s3:::any-bucket/dags/x.ts'],
      ['s3:PutObject', 'arn:aws:s3:::any-bucket/artifacts/x/bundle.mjs'],
      ['states:CreateStateMachine', arn('states', 'stateMachine:airstep-x')],
      ['dynamodb:PutItem', arn('dynamodb', 'table/any')],
      ['lambda:InvokeFunction', arn('lambda', 'function:any')],
      ['sqs:SendMessage', arn('sqs', 'any')],
      ['iam:PassRole', 'arn:aws:iam::111122223333:role/any'],
      ['sts:AssumeRole', 'arn:aws:iam::111122223333:role/any'],
      ['xray:PutTraceSegments', '*'],
    ];
    for (const [action, resource] of refused) {
      expect(await check.decide('dagEvaluator', { action, resource }), action).toBe('ImplicitlyDenied');
    }
  });

  it('refuses a call it does not know how to authorize, saying where to teach it', () => {
    expect(() => check.requestsOf(call('worker', 'S3', 'PutBucketPolicy', { Bucket: 'b' }))).toThrow(
      /does not know what S3 PutBucketPolicy needs: add it to test\/iam\/iam-requests.ts/,
    );
  });

  it("records the calls a role's code makes, and only those", async () => {
    const recorded = (globalThis as Record<symbol, RecordedCall[]>)[Symbol.for('airstep.iam.recorded-calls')]!;
    const before = recorded.length;
    // Nothing listens on port 9: the call fails at once, after it was recorded (no emulator is needed to record).
    const s3 = new S3Client({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const read = (key: string) =>
      s3.send(new GetObjectCommand({ Bucket: 'test-bucket', Key: key })).catch(() => 'refused');
    Object.assign(process.env, env);
    await read('outside/any/role');
    await asRole('worker', () => new Promise((done) => setTimeout(() => done(read('artifacts/d/v/bundle.mjs')), 1)))();
    expect(
      recorded.slice(before).map(({ role, service, command, input }) => [role, service, command, input.Key]),
    ).toEqual([['worker', 'S3', 'GetObject', 'artifacts/d/v/bundle.mjs']]);
    expect(recorded.at(-1)!.env[STACK_ENV.bucket]).toBe('test-bucket');
  });
});
