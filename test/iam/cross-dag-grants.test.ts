import { beforeAll, describe, expect, inject, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import type { Json } from '../constructs/stack-template.ts';
import { IamCheck } from './check-calls.ts';
import type { RecordedCall } from './iam-requests.ts';
import { readStackFacts } from './stack-facts-file.ts';
import type { StackRole } from './stack-role.ts';
import { TemplateValues } from './template-values.ts';

/**
 * Cross-DAG steps call the stack's own trigger function and read its run tables with the state machines' role.
 * Emulators enforce no IAM (and moto runs no Lambda), so the calls the compiled steps make, with the placeholders
 * filled from dag-sync's variables in the synthesized template, are evaluated against the role's policies here:
 * allowed exactly, and nothing more (no writes to the run tables, no other function, no other role).
 */
let check: IamCheck;
let env: Record<string, string>;
beforeAll(async () => {
  const facts = await readStackFacts(inject('iamStackFacts'));
  check = new IamCheck(facts);
  env = new TemplateValues(facts.resources).resolve(facts.environments.dagSync) as Record<string, string>;
});

const call = (role: StackRole, service: string, command: string, input: Json): RecordedCall => ({
  role,
  service,
  command,
  input,
  env: {},
});

/** The SDK call each Task state of a filled definition makes. */
function callsOf(machine: Json): RecordedCall[] {
  const calls: RecordedCall[] = [];
  for (const state of Object.values(machine.States as Record<string, Json>)) {
    if (state.Type !== 'Task') continue;
    const p = state.Parameters;
    if (state.Resource === 'arn:aws:states:::lambda:invoke')
      calls.push(call('stateMachine', 'Lambda', 'Invoke', { FunctionName: p.FunctionName }));
    else if (state.Resource === 'arn:aws:states:::dynamodb:getItem')
      calls.push(call('stateMachine', 'DynamoDB', 'GetItem', { TableName: p.TableName }));
    else if (state.Resource === 'arn:aws:states:::aws-sdk:dynamodb:query')
      calls.push(call('stateMachine', 'DynamoDB', 'Query', { TableName: p.TableName }));
    else if (state.Resource === 'arn:aws:states:::dynamodb:updateItem')
      calls.push(call('stateMachine', 'DynamoDB', 'UpdateItem', { TableName: p.TableName }));
  }
  return calls;
}

describe('IAM: cross-DAG steps', () => {
  it('lets the state machines invoke the trigger function and read the runs and task-instances tables, as dag-sync fills them', async () => {
    const d = dag({ id: 'parent', schedule: null });
    d.triggerDag('start', { dagId: 'child', waitForCompletion: true }).then(
      d.externalTaskSensor('sense', { externalDagId: 'child', externalTaskId: 'load' }),
    );
    const compiled = compileDag(d);
    expect(compiled.problems).toEqual([]);
    const definition = JSON.parse(
      fillPlaceholders(compiled.asl!, {
        dagVersion: 'v1',
        controlQueueUrl: env[STACK_ENV.controlQueueUrl]!,
        taskQueueUrls: JSON.parse(env[STACK_ENV.taskQueueUrls]!),
        triggerFunctionArn: env[STACK_ENV.triggerFunctionArn]!,
        runsTable: env[STACK_ENV.runsTable]!,
        taskInstancesTable: env[STACK_ENV.taskInstancesTable]!,
      }),
    );
    const calls = callsOf(definition);
    expect(calls.map((c) => `${c.service}.${c.command}`).sort()).toEqual([
      'DynamoDB.GetItem',
      'DynamoDB.GetItem',
      'DynamoDB.Query',
      'DynamoDB.Query',
      'DynamoDB.UpdateItem',
      'DynamoDB.UpdateItem',
      'Lambda.Invoke',
    ]);
    // Both tasks' own records (no worker runs them), on the task-instances table.
    expect(calls.filter((c) => c.command === 'UpdateItem').map((c) => c.input.TableName)).toEqual([
      env[STACK_ENV.taskInstancesTable],
      env[STACK_ENV.taskInstancesTable],
    ]);
    expect(await check.denials(calls)).toEqual([]);
  });

  it('refuses the state machines writes to the run tables beyond updating task instances, other tables and other functions', async () => {
    const runs = { TableName: env[STACK_ENV.runsTable] };
    const instances = { TableName: env[STACK_ENV.taskInstancesTable] };
    const refused = [
      call('stateMachine', 'DynamoDB', 'PutItem', runs),
      call('stateMachine', 'DynamoDB', 'UpdateItem', runs),
      call('stateMachine', 'DynamoDB', 'PutItem', instances),
      call('stateMachine', 'DynamoDB', 'DeleteItem', instances),
      call('stateMachine', 'DynamoDB', 'BatchWriteItem', { RequestItems: { [instances.TableName!]: [] } }),
      call('stateMachine', 'DynamoDB', 'UpdateItem', { TableName: env[STACK_ENV.dagsTable] }),
      call('stateMachine', 'DynamoDB', 'Scan', runs),
      call('stateMachine', 'DynamoDB', 'GetItem', { TableName: env[STACK_ENV.dagsTable] }),
      call('stateMachine', 'Lambda', 'Invoke', {
        FunctionName: env[STACK_ENV.triggerFunctionArn]!.replace(/[^:]+$/, 'some-other-function'),
      }),
    ];
    const denials = await check.denials(refused);
    expect(denials).toHaveLength(refused.length);
  });

  it('lets the state machines update task instances, and not the user’s container tasks', async () => {
    const instances = { TableName: env[STACK_ENV.taskInstancesTable] };
    expect(await check.denials([call('stateMachine', 'DynamoDB', 'UpdateItem', instances)])).toEqual([]);
    // The container task's role (the user's image) never writes Airstep's records.
    expect(await check.denials([call('containerTask', 'DynamoDB', 'UpdateItem', instances)])).toHaveLength(1);
  });

  it('gives no other role the trigger function through this grant', async () => {
    const invoke = { FunctionName: env[STACK_ENV.triggerFunctionArn] };
    for (const role of ['worker', 'recorder', 'fargateWorker', 'containerTask'] as const) {
      expect(await check.denials([call(role, 'Lambda', 'Invoke', invoke)])).toHaveLength(1);
    }
  });
});
