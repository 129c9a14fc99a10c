import { beforeAll, describe, expect, inject, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import type { Json } from '../constructs/stack-template.ts';
import containers from '../fixtures/dag-sync/containers.ts';
import { compileExamples } from '../helpers/example-dags.ts';
import { IamCheck } from './check-calls.ts';
import type { RecordedCall } from './iam-requests.ts';
import { readStackFacts } from './stack-facts-file.ts';
import { TemplateValues } from './template-values.ts';

/**
 * The integrations every compiled example calls with the stack's own resources — sending work to its task and
 * control queues, running the Fargate worker, invoking the trigger and reading the run tables (cross-DAG steps) — checked against the state machines' role, with the placeholders
 * filled as dag-sync fills them from its variables in the template. (Native steps on the user's data are checked
 * where the local engine runs them: test/local/run-s3-examples.test.ts.)
 */
let check: IamCheck;
let placeholders: Parameters<typeof fillPlaceholders>[1];
/** The stack's run tables, which cross-DAG steps read. */
let stackTables: string[];
beforeAll(async () => {
  const facts = await readStackFacts(inject('iamStackFacts'));
  check = new IamCheck(facts);
  const env = new TemplateValues(facts.resources).resolve(facts.environments.dagSync) as Record<string, string>;
  placeholders = {
    dagVersion: 'v1',
    controlQueueUrl: env[STACK_ENV.controlQueueUrl]!,
    taskQueueUrls: JSON.parse(env[STACK_ENV.taskQueueUrls]!),
    ecsClusterArn: env[STACK_ENV.ecsClusterArn]!,
    workerTaskDefinition: env[STACK_ENV.workerTaskDefinition]!,
    subnetIds: env[STACK_ENV.subnetIds]!,
    securityGroupIds: env[STACK_ENV.securityGroupIds]!,
    assignPublicIp: env[STACK_ENV.assignPublicIp]!,
    triggerFunctionArn: env[STACK_ENV.triggerFunctionArn]!,
    runsTable: env[STACK_ENV.runsTable]!,
    taskInstancesTable: env[STACK_ENV.taskInstancesTable]!,
    // dag-sync fills it with the bucket of the S3 event (the stack's bucket); a Distributed Map writes there.
    xcomBucket: 'test-bucket',
    assetEventBusName: env[STACK_ENV.assetEventBusName]!,
  };
  stackTables = [env[STACK_ENV.runsTable]!, env[STACK_ENV.taskInstancesTable]!];
});

/** Every Task state of a definition, in Parallel branches and Map item processors too. */
function* taskStates(machine: Json): Generator<Json> {
  for (const state of Object.values(machine.States as Record<string, Json>)) {
    if (state.Type === 'Task') yield state;
    for (const branch of state.Branches ?? []) yield* taskStates(branch);
    if (state.ItemProcessor) yield* taskStates(state.ItemProcessor);
  }
}

/**
 * A Task state's calls to the stack's own resources, as the SDK calls they stand for: a split DAG's parent
 * starting a child (`startExecution.sync:2`) starts it, describes and stops its execution and keeps the managed
 * rule that tells it the child ended.
 */
function ownCalls(state: Json): RecordedCall[] {
  if (state.Resource !== 'arn:aws:states:::states:startExecution.sync:2') {
    const own = ownCall(state);
    return own !== undefined ? [own] : [];
  }
  const machine = String(state.Parameters.StateMachineArn);
  const execution = `${machine.replace(':stateMachine:', ':execution:').replace(/:\d+$/, '')}:5f0c6a1e`;
  const rule = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';
  const env = { [STACK_ENV.namePrefix]: 'test' };
  return [
    { role: 'stateMachine', service: 'SFN', command: 'StartExecution', input: { stateMachineArn: machine }, env },
    { role: 'stateMachine', service: 'SFN', command: 'DescribeExecution', input: { executionArn: execution }, env },
    { role: 'stateMachine', service: 'SFN', command: 'StopExecution', input: { executionArn: execution }, env },
    { role: 'stateMachine', service: 'EventBridge', command: 'PutRule', input: { Name: rule }, env },
    { role: 'stateMachine', service: 'EventBridge', command: 'PutTargets', input: { Rule: rule, Targets: [] }, env },
    { role: 'stateMachine', service: 'EventBridge', command: 'DescribeRule', input: { Name: rule }, env },
  ];
}

/** A Task state's call to the stack's own resources, as the SDK call it stands for. */
function ownCall(state: Json): RecordedCall | undefined {
  const parameters = state.Parameters ?? {};
  const call = (service: string, command: string, input: Json): RecordedCall => ({
    role: 'stateMachine',
    service,
    command,
    input,
    env: {},
  });
  if (/^arn:aws:states:::sqs:sendMessage(\.waitForTaskToken)?$/.test(state.Resource) && 'QueueUrl' in parameters)
    return call('SQS', 'SendMessage', { QueueUrl: parameters.QueueUrl });
  // Cross-DAG steps: the stack's trigger function, and reads of its run tables.
  if (
    state.Resource === 'arn:aws:states:::lambda:invoke' &&
    parameters.FunctionName === placeholders.triggerFunctionArn
  )
    return call('Lambda', 'Invoke', { FunctionName: parameters.FunctionName });
  if (
    /^arn:aws:states:::(aws-sdk:)?dynamodb:(getItem|query)$/.test(state.Resource) &&
    stackTables.includes(parameters.TableName)
  )
    return call('DynamoDB', state.Resource.endsWith('query') ? 'Query' : 'GetItem', {
      TableName: parameters.TableName,
    });
  // A task no worker runs: its task-instance record, written as it ends.
  if (state.Resource === 'arn:aws:states:::dynamodb:updateItem' && stackTables.includes(parameters.TableName))
    return call('DynamoDB', 'UpdateItem', { TableName: parameters.TableName, Key: parameters.Key });
  // A task's outlet state: its events onto the stack's asset bus.
  if (
    state.Resource === 'arn:aws:states:::events:putEvents' &&
    (parameters.Entries as Json[]).every((entry) => entry.EventBusName === placeholders.assetEventBusName)
  )
    return call('EventBridge', 'PutEvents', { Entries: parameters.Entries });
  if (/^arn:aws:states:::ecs:runTask/.test(state.Resource))
    return call('ECS', 'RunTask', {
      cluster: parameters.Cluster,
      taskDefinition: parameters.TaskDefinition,
      overrides: { taskRoleArn: parameters.Overrides?.TaskRoleArn },
    });
  return undefined;
}

describe("IAM check of the state machines' own integrations", () => {
  it('lets every compiled example send its work to the stack’s queues and run the Fargate worker', async () => {
    const calls: RecordedCall[] = [];
    // The examples, and a DAG with a Fargate worker task and a container task (no example has either).
    const definitions = [...(await compileExamples()).map(({ compiled }) => compiled), compileDag(containers)];
    for (const compiled of definitions) {
      if (compiled.asl === undefined) continue;
      // A split DAG: its parent and every child, the parent starting the children's versions as dag-sync fills them.
      const childMachineArns = Object.fromEntries(
        (compiled.children ?? []).map((child) => [
          child.name.slice('part-'.length),
          `arn:aws:states:us-east-1:000000000000:stateMachine:test-${compiled.ir.dagId}-${child.name}:1`,
        ]),
      );
      for (const asl of [compiled.asl, ...(compiled.children ?? []).map((child) => child.asl!)]) {
        const definition = JSON.parse(
          fillPlaceholders(asl, {
            ...placeholders,
            childMachineArns,
            // As dag-sync registers them: family `<prefix>-<dag>-<task>`.
            containerTaskDefinitions: {
              score: 'arn:aws:ecs:us-east-1:111122223333:task-definition/airstep-sync_scoring-score:1',
            },
          }),
        );
        for (const state of taskStates(definition)) calls.push(...ownCalls(state));
      }
    }
    const kinds = new Set(calls.map((call) => `${call.service}.${call.command}`));
    expect([...kinds].sort()).toEqual([
      'DynamoDB.GetItem',
      'DynamoDB.Query',
      'DynamoDB.UpdateItem',
      'ECS.RunTask',
      'EventBridge.DescribeRule',
      'EventBridge.PutEvents',
      'EventBridge.PutRule',
      'EventBridge.PutTargets',
      'Lambda.Invoke',
      'SFN.DescribeExecution',
      'SFN.StartExecution',
      'SFN.StopExecution',
      'SQS.SendMessage',
    ]);
    expect(calls.filter((call) => call.service === 'ECS')).toHaveLength(2);
    expect(await check.denials(calls)).toEqual([]);
  });

  it('would refuse a queue the stack does not have', async () => {
    const stray = { role: 'stateMachine', service: 'SQS', command: 'SendMessage', env: {} } as const;
    const denials = await check.denials([
      { ...stray, input: { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/elsewhere' } },
    ]);
    expect(denials.map((denial) => denial.action)).toEqual(['sqs:SendMessage']);
  });
});
