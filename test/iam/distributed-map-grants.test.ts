import { beforeAll, describe, expect, inject, it } from 'vitest';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { IamCheck } from './check-calls.ts';
import type { RecordedCall } from './iam-requests.ts';
import { readStackFacts } from './stack-facts-file.ts';
import type { StackRole } from './stack-role.ts';

/**
 * What a Distributed Map (a mapping compiled distributed) does with the state machines' role, evaluated against
 * the synthesized template: start each item as a child execution of a DAG's state machine (its version or alias
 * too), describe and stop those children, read the list a worker wrote under `xcom/` (ItemReader) and write the
 * results under `xcom/map-results/` (ResultWriter). No emulator here runs a Distributed Map, so this is the
 * proof of the grants; the refusals show they are no wider.
 */
let check: IamCheck;
beforeAll(async () => {
  check = new IamCheck(await readStackFacts(inject('iamStackFacts')));
});

const env = { [STACK_ENV.bucket]: 'test-bucket', [STACK_ENV.namePrefix]: 'test' };
const allowed = async (role: StackRole, service: string, command: string, input: Record<string, unknown>) => {
  const recorded: RecordedCall = { role, service, command, input, env };
  return (await check.denials([recorded])).length === 0;
};
const machine = 'arn:aws:states:us-east-1:000000000000:stateMachine:test-etl';
const child = 'arn:aws:states:us-east-1:000000000000:execution:test-etl/each:5f0c6a1e-2b8e-4b8e-9d1e-0a7c1b2c3d4e';
const items = { Bucket: 'test-bucket', Key: 'xcom/etl/manual__2026-12-07/list/-1/try-1.json' };
const results = { Bucket: 'test-bucket', Key: 'xcom/map-results/etl/each/5f0c6a1e/SUCCEEDED_0.json' };

describe('IAM: Distributed Map', () => {
  it('lets the state machines start their items as child executions, and describe and stop them', async () => {
    expect(await allowed('stateMachine', 'SFN', 'StartExecution', { stateMachineArn: machine })).toBe(true);
    expect(await allowed('stateMachine', 'SFN', 'StartExecution', { stateMachineArn: `${machine}:live` })).toBe(true);
    expect(await allowed('stateMachine', 'SFN', 'DescribeExecution', { executionArn: child })).toBe(true);
    expect(await allowed('stateMachine', 'SFN', 'StopExecution', { executionArn: child })).toBe(true);
  });

  it('lets them read the list a worker wrote and write the results, under xcom/ only', async () => {
    expect(await allowed('stateMachine', 'S3', 'GetObject', items)).toBe(true);
    expect(await allowed('stateMachine', 'S3', 'PutObject', results)).toBe(true);
    expect(await allowed('stateMachine', 'S3', 'GetObject', results)).toBe(true);
    // The lists are read, never written, by the state machines; DAG files and bundles are out of reach.
    expect(await allowed('stateMachine', 'S3', 'PutObject', items)).toBe(false);
    expect(await allowed('stateMachine', 'S3', 'GetObject', { Bucket: 'test-bucket', Key: 'dags/etl.ts' })).toBe(false);
    expect(await allowed('stateMachine', 'S3', 'PutObject', { Bucket: 'test-bucket', Key: 'artifacts/x' })).toBe(false);
  });

  it("lets the workers read a Map Run's results (a downstream task resolves them)", async () => {
    expect(await allowed('worker', 'S3', 'GetObject', results)).toBe(true);
    expect(await allowed('fargateWorker', 'S3', 'GetObject', results)).toBe(true);
  });

  it("refuses any other role the child executions, and the state machines another stack's", async () => {
    expect(await allowed('worker', 'SFN', 'StartExecution', { stateMachineArn: machine })).toBe(false);
    expect(await allowed('recorder', 'SFN', 'StopExecution', { executionArn: child })).toBe(false);
    const elsewhere = 'arn:aws:states:us-east-1:000000000000:stateMachine:other-etl';
    expect(await allowed('stateMachine', 'SFN', 'StartExecution', { stateMachineArn: elsewhere })).toBe(false);
  });
});
