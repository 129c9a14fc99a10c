import { beforeAll, describe, expect, inject, it } from 'vitest';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { IamCheck } from './check-calls.ts';
import type { RecordedCall } from './iam-requests.ts';
import { readStackFacts } from './stack-facts-file.ts';
import type { StackRole } from './stack-role.ts';

/**
 * What a split DAG needs of IAM, evaluated against the synthesized template: its parent starts each child state
 * machine's version with `startExecution.sync:2`, which describes (and on a stop, stops) the child's execution
 * and keeps Step Functions' managed EventBridge rule for it; dag-sync creates, updates and deletes the children.
 * The refusals show the grants are no wider: other roles, another stack's machines, another rule.
 */
let check: IamCheck;
beforeAll(async () => {
  check = new IamCheck(await readStackFacts(inject('iamStackFacts')));
});

const env = { [STACK_ENV.namePrefix]: 'test' };
const allowed = async (role: StackRole, service: string, command: string, input: Record<string, unknown>) => {
  const recorded: RecordedCall = { role, service, command, input, env };
  return (await check.denials([recorded])).length === 0;
};
const at = (resource: string) => `arn:aws:states:us-east-1:000000000000:${resource}`;
const child = at('stateMachine:test-etl-part-01');
const childExecution = at('execution:test-etl-part-01:5f0c6a1e-2b8e-4b8e-9d1e-0a7c1b2c3d4e');
const RULE = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';

describe('IAM: child state machines of a split DAG', () => {
  it("lets the state machines start a child's version, describe and stop its execution, and keep the managed rule", async () => {
    expect(await allowed('stateMachine', 'SFN', 'StartExecution', { stateMachineArn: `${child}:3` })).toBe(true);
    expect(await allowed('stateMachine', 'SFN', 'StartExecution', { stateMachineArn: `${child}:live` })).toBe(true);
    expect(await allowed('stateMachine', 'SFN', 'DescribeExecution', { executionArn: childExecution })).toBe(true);
    expect(await allowed('stateMachine', 'SFN', 'StopExecution', { executionArn: childExecution })).toBe(true);
    expect(await allowed('stateMachine', 'EventBridge', 'PutRule', { Name: RULE })).toBe(true);
    expect(await allowed('stateMachine', 'EventBridge', 'DescribeRule', { Name: RULE })).toBe(true);
    expect(await allowed('stateMachine', 'EventBridge', 'PutTargets', { Rule: RULE, Targets: [] })).toBe(true);
  });

  it("lets the recorder read a child's history (a split run's mapped items and timed-out tries are there)", async () => {
    expect(await allowed('recorder', 'SFN', 'GetExecutionHistory', { executionArn: childExecution })).toBe(true);
  });

  it('lets dag-sync create, update, publish, alias and delete the children', async () => {
    expect(await allowed('dagSync', 'SFN', 'DescribeStateMachine', { stateMachineArn: child })).toBe(true);
    expect(await allowed('dagSync', 'SFN', 'UpdateStateMachine', { stateMachineArn: child, publish: true })).toBe(true);
    expect(await allowed('dagSync', 'SFN', 'UpdateStateMachineAlias', { stateMachineAliasArn: `${child}:live` })).toBe(
      true,
    );
    expect(await allowed('dagSync', 'SFN', 'DeleteStateMachine', { stateMachineArn: child })).toBe(true);
  });

  it("refuses other roles, another stack's children and any other rule", async () => {
    expect(await allowed('worker', 'SFN', 'StartExecution', { stateMachineArn: `${child}:3` })).toBe(false);
    expect(await allowed('worker', 'SFN', 'StopExecution', { executionArn: childExecution })).toBe(false);
    expect(await allowed('worker', 'EventBridge', 'PutRule', { Name: RULE })).toBe(false);
    expect(await allowed('trigger', 'SFN', 'DeleteStateMachine', { stateMachineArn: child })).toBe(false);
    const elsewhere = at('stateMachine:other-etl-part-01');
    expect(await allowed('stateMachine', 'SFN', 'StartExecution', { stateMachineArn: `${elsewhere}:1` })).toBe(false);
    expect(
      await allowed('stateMachine', 'SFN', 'StopExecution', {
        executionArn: at('execution:other-etl-part-01:5f0c6a1e-2b8e-4b8e-9d1e-0a7c1b2c3d4e'),
      }),
    ).toBe(false);
    expect(await allowed('dagSync', 'SFN', 'DeleteStateMachine', { stateMachineArn: elsewhere })).toBe(false);
    expect(
      await allowed('stateMachine', 'EventBridge', 'PutRule', { Name: 'StepFunctionsGetEventsForECSTaskRule' }),
    ).toBe(false);
    expect(await allowed('stateMachine', 'EventBridge', 'DeleteRule', { Name: RULE })).toBe(false);
  });
});
