import { beforeAll, describe, expect, inject, it } from 'vitest';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { IamCheck } from './check-calls.ts';
import type { RecordedCall } from './iam-requests.ts';
import { readStackFacts } from './stack-facts-file.ts';
import type { StackRole } from './stack-role.ts';

/**
 * The deadline grants, exactly: the trigger creates schedules in the deadline group only (passing that group's
 * role, to Scheduler only) and may invoke the recorder (a deadline already past); the recorder deletes them; no
 * one else touches the group. test/lambdas/deadline.test.ts makes these calls for real; this also covers the
 * recorder Invoke, which moto cannot run, and what must be refused.
 */
let check: IamCheck;
beforeAll(async () => {
  check = new IamCheck(await readStackFacts(inject('iamStackFacts')));
});

const env = {
  [STACK_ENV.deadlineScheduleGroup]: 'test-deadlines',
  [STACK_ENV.scheduleGroup]: 'test-dags',
  [STACK_ENV.deadlineRoleArn]: 'arn:aws:iam::000000000000:role/test-deadline-schedules',
  [STACK_ENV.schedulerRoleArn]: 'arn:aws:iam::000000000000:role/test-dag-schedules',
  [STACK_ENV.recorderFunctionArn]: 'arn:aws:lambda:us-east-1:000000000000:function:test-recorder',
  [STACK_ENV.triggerFunctionArn]: 'arn:aws:lambda:us-east-1:000000000000:function:test-trigger',
};
const allowed = async (role: StackRole, service: string, command: string, input: Record<string, unknown>) => {
  const recorded: RecordedCall = { role, service, command, input, env };
  return (await check.denials([recorded])).length === 0;
};
const create = (group: string, roleArn: string) => ({
  Name: 'etl-0123456789abcdef0123',
  GroupName: group,
  Target: { Arn: env[STACK_ENV.recorderFunctionArn], RoleArn: roleArn },
});

describe('IAM: deadline schedules', () => {
  it('lets the trigger create a schedule in the deadline group with its role, and nothing more there', async () => {
    const deadlineRole = env[STACK_ENV.deadlineRoleArn];
    expect(await allowed('trigger', 'Scheduler', 'CreateSchedule', create('test-deadlines', deadlineRole))).toBe(true);
    expect(await allowed('trigger', 'Scheduler', 'CreateSchedule', create('test-dags', deadlineRole))).toBe(false);
    const dagRole = env[STACK_ENV.schedulerRoleArn];
    expect(await allowed('trigger', 'Scheduler', 'CreateSchedule', create('test-deadlines', dagRole))).toBe(false);
    const name = { Name: 'etl-0123456789abcdef0123', GroupName: 'test-deadlines' };
    expect(await allowed('trigger', 'Scheduler', 'DeleteSchedule', name)).toBe(false);
  });

  it('lets the recorder delete a deadline schedule and not create one', async () => {
    const name = { Name: 'etl-0123456789abcdef0123', GroupName: 'test-deadlines' };
    expect(await allowed('recorder', 'Scheduler', 'DeleteSchedule', name)).toBe(true);
    expect(await allowed('recorder', 'Scheduler', 'DeleteSchedule', { ...name, GroupName: 'test-dags' })).toBe(false);
    const deadlineRole = env[STACK_ENV.deadlineRoleArn];
    expect(await allowed('recorder', 'Scheduler', 'CreateSchedule', create('test-deadlines', deadlineRole))).toBe(
      false,
    );
  });

  it('lets the trigger invoke the recorder (a deadline already past) and no other function', async () => {
    const invoke = (fn: string) => ({ FunctionName: fn, InvocationType: 'Event', Payload: '{}' });
    expect(await allowed('trigger', 'Lambda', 'Invoke', invoke(env[STACK_ENV.recorderFunctionArn]))).toBe(true);
    expect(await allowed('trigger', 'Lambda', 'Invoke', invoke(env[STACK_ENV.triggerFunctionArn]))).toBe(false);
    expect(await allowed('worker', 'Lambda', 'Invoke', invoke(env[STACK_ENV.recorderFunctionArn]))).toBe(false);
  });
});
